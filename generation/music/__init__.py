"""The built-in music and sound effects: a composer (composer.py) playing numpy instruments (synth.py), cached per
mood, tempo and length (library.py), and the transition sounds (effects.py)."""
