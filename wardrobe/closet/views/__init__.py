"""The closet's web pages, thin: selectors read, services write; everything is scoped to request.user."""
