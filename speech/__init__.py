"""How Closer Together sounds: SSML for Alexa, and audio previews rendered locally.

:mod:`speech.ssml` composes what Alexa speaks; :mod:`speech.render` turns that SSML
into an MP3 with gTTS or an offline voice, for previews and rehearsal.
"""
