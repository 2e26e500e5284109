"""Subscribe forms: hosted opt-in forms with incentives targeted per audience."""
