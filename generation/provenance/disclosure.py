"""The spoken disclosure: a short sentence the TTS says at the end of a video whose sound is AI-generated (China's
measures ask audio to carry a spoken or rhythmic notice at its start, end or middle; docs/provenance.md). Spoken in
the video's own voice where it has one (the presenter's or the voice-over's), so it is heard as part of it."""

from __future__ import annotations

from pathlib import Path

DISCLOSURE_SCRIPTS = {
    "en": "This video was made with AI.",
    "de": "Dieses Video wurde mit KI erstellt.",
    "fr": "Cette vidéo a été créée avec l'IA.",
    "es": "Este vídeo se ha creado con IA.",
    "it": "Questo video è stato creato con l'IA.",
    "pt": "Este vídeo foi criado com IA.",
    "nl": "Deze video is gemaakt met AI.",
    "ja": "この動画はAIで作成されました。",
    "zh": "本视频由人工智能生成。",
}
GAP_BEFORE_END = 0.3  # seconds of silence after it, so the video does not cut the last word


def disclosure_script(language: str) -> tuple[str, str]:
    """(script, the language it is in): the video's language when we have the sentence in it, else English."""
    primary = (language or "en").replace("_", "-").split("-")[0].lower()
    return (DISCLOSURE_SCRIPTS[primary], primary) if primary in DISCLOSURE_SCRIPTS else (DISCLOSURE_SCRIPTS["en"], "en")


def spoken_disclosure_write(*, script: str, voice: dict, path: Path, duration: float):
    """The sentence spoken into a WAV at `path`, placed to end GAP_BEFORE_END before the video does; a VoiceCue."""
    from generation.assembly.audio import VoiceCue
    from generation.presenter.speech import VoiceSpec
    from generation.presenter.tts import speech_synthesize

    speech = speech_synthesize(text=script, voice=VoiceSpec(**voice))
    if speech.duration + GAP_BEFORE_END > duration:
        raise ValueError(
            f"the spoken AI disclosure takes {speech.duration:.1f} s, longer than the {duration:.1f} s video; "
            'make the video longer or set the template\'s ai_label.spoken to "never"'
        )
    speech.wav_write(str(path))
    return VoiceCue(path=str(path), start=duration - speech.duration - GAP_BEFORE_END)
