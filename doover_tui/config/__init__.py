"""Where things live and how we connect: profiles, our own settings and platform paths. Imports no Textual."""
