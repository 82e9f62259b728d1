"""业务所长考核: office-head scorecards from Excel forms to a published MkDocs site."""

__version__ = "0.1.0"
