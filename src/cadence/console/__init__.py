"""The marketer's console: users, sessions and the server-rendered pages."""
