"""How Closer Together sounds: SSML composition and checks (audio rendering comes later)."""
