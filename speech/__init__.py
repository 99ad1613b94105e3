"""How Closer Together sounds: SSML for Alexa, and audio previews rendered locally.

:mod:`speech.ssml` composes what Alexa speaks; :mod:`speech.segments` reads SSML back
(:func:`~speech.segments.plain_text`, the one SSML-to-text function, for people; pieces
and pauses for engines); :mod:`speech.render` turns that SSML into an MP3 with gTTS or
an offline voice, for previews and rehearsal.

A library: nothing here imports skill/ or intents/ (tests/test_speech_is_a_library.py
holds it to that). What needs the skill, such as ``closer preview``
(skill/cli/preview.py), drives speech/ from outside.
"""
