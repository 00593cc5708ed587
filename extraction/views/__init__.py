"""HTML pages of extraction: the studies and the form (``pages``), a study and its actions (``study``)."""
