"""Digital presenters: a photo and a voice become a speaking host (speech, face, animation, live rooms)."""
