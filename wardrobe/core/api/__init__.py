"""API plumbing shared by every room: the schema class (:mod:`.schema`), error answers
(:mod:`.exceptions`) and strict input fields (:mod:`.fields`)."""
