"""Statistics and declutter (issue 18): an overview of the closet computed by the database
(``selectors``), the candidates for leaving it (``declutter``), their pages and API. No models: it
reads the closet and archives through the closet's own services."""
