"""What the admin's and the dashboard's brand-kit forms share: new uploads go through the brand_assets checks in
clean_<field>, so a bad file is refused beside its field and what is saved is the checked file."""

from __future__ import annotations

from django import forms
from django.core.files.uploadedfile import UploadedFile

from shop_video.tenancy.brand_assets import MUSIC_EXTENSIONS, font_clean, logo_clean, music_clean

LOGO_ACCEPT = "image/png,image/jpeg,image/webp,image/svg+xml,.svg"
FONT_ACCEPT = ".ttf,.otf"
MUSIC_ACCEPT = ",".join(f".{extension}" for extension in MUSIC_EXTENSIONS)


class BrandKitFilesForm(forms.ModelForm):
    """A ModelForm of BrandKit whose logo, font and music are checked. The logo is a plain file field: Django's
    image field would refuse an SVG before our check could rasterise it."""

    logo = forms.FileField(
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": LOGO_ACCEPT}),
        help_text="PNG, JPEG, WebP or SVG; stored as a transparent PNG up to 1024 px.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, accept in (("font", FONT_ACCEPT), ("music", MUSIC_ACCEPT)):
            if name in self.fields:
                self.fields[name].widget.attrs.setdefault("accept", accept)

    @staticmethod
    def _checked(value, check):
        # Only a new upload is checked; the kept file (a FieldFile) or a cleared one (False) passes through.
        return check(value) if isinstance(value, UploadedFile) else value

    def clean_logo(self):
        return self._checked(self.cleaned_data.get("logo"), logo_clean)

    def clean_font(self):
        return self._checked(self.cleaned_data.get("font"), font_clean)

    def clean_music(self):
        return self._checked(self.cleaned_data.get("music"), music_clean)


class BrandMusicTrackForm(forms.ModelForm):
    """A named track of a brand kit (the admin's inline); a new upload passes the same check as the kit's music."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "file" in self.fields:
            self.fields["file"].widget.attrs.setdefault("accept", MUSIC_ACCEPT)

    def clean_file(self):
        return BrandKitFilesForm._checked(self.cleaned_data.get("file"), music_clean)
