"""A local Doover-compatible server: data and control APIs, auth and the live gateway. Imports no Textual."""
