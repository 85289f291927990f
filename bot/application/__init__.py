"""Application services: one function per action that several entry points perform."""
