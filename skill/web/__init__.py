"""The web side: the Flask app, proof that requests come from Alexa, the rehearsal page."""
