"""The HTTP application: the API every client uses and, later, the pages people use."""
