"""The Doover API client: HTTP data and control APIs and the live gateway. Imports no Textual."""
