"""The avatar-photo check: one front-facing face, or a message that says what to upload instead."""

from pathlib import Path

import cv2
import numpy as np
import pytest

from generation.presenter.face import (
    AvatarError,
    FaceBox,
    avatar_face,
    face_landmarks,
    faces_detect,
    min_face_pixels,
    photo_load,
)

PHOTOS = Path(__file__).resolve().parents[2] / "catalog" / "demo_photos"
PORTRAIT = PHOTOS / "astronaut-portrait-print.jpg"
NO_FACE = PHOTOS / "espresso-cup.jpg"


@pytest.fixture(scope="module")
def portrait() -> np.ndarray:
    return photo_load(PORTRAIT)


def _near(box: FaceBox, expected: tuple[int, int, int, int], tolerance: int) -> bool:
    return all(abs(a - b) <= tolerance for a, b in zip(box.as_list(), expected, strict=True))


def test_the_portrait_has_exactly_one_face_where_the_presenter_is(portrait):
    face = avatar_face(PORTRAIT)
    assert _near(face, (177, 66, 95, 95), tolerance=6)
    assert avatar_face(portrait) == face  # a path and the loaded pixels agree


def test_a_big_photo_is_searched_downscaled_and_the_box_mapped_back(portrait):
    big = cv2.resize(portrait, (2048, 2048), interpolation=cv2.INTER_CUBIC)
    faces = faces_detect(big)
    assert len(faces) == 1
    assert _near(faces[0], (177 * 4, 66 * 4, 95 * 4, 95 * 4), tolerance=40)


def test_two_people_are_refused_with_how_to_fix_it(portrait):
    with pytest.raises(AvatarError) as caught:
        avatar_face(np.hstack([portrait, portrait]))
    message = str(caught.value)
    assert message.startswith("Found 2 faces in the photo")
    assert "presenter alone" in message and "crop the others out" in message


def test_a_photo_without_a_face_is_refused_with_what_a_good_photo_looks_like():
    with pytest.raises(AvatarError) as caught:
        avatar_face(NO_FACE)
    message = str(caught.value)
    assert message.startswith("No face found in the photo")
    assert "front-facing" in message and "well-lit" in message
    photo = photo_load(NO_FACE)
    assert f"at least {min_face_pixels(height=photo.shape[0], width=photo.shape[1])} pixels tall" in message


def test_unreadable_and_missing_photos_are_avatar_errors(tmp_path):
    broken = tmp_path / "broken.jpg"
    broken.write_bytes(b"this is not a JPEG")
    with pytest.raises(AvatarError, match="cannot be read.*upload a JPEG or PNG"):
        avatar_face(broken)
    with pytest.raises(AvatarError, match="does not exist"):
        avatar_face(tmp_path / "gone.jpg")
    assert issubclass(AvatarError, ValueError)


def test_landmarks_sit_inside_the_face_in_anatomical_order(portrait):
    face = avatar_face(portrait)
    marks = face_landmarks(portrait, face)
    for x, y in (marks.left_eye, marks.right_eye, marks.mouth_center):
        assert face.x <= x <= face.right and face.y <= y <= face.bottom
    assert marks.left_eye[0] < marks.mouth_center[0] < marks.right_eye[0]
    eye_y = max(marks.left_eye[1], marks.right_eye[1])
    assert eye_y + 0.2 * face.h < marks.lip_y < marks.chin_y
    assert marks.lip_y == marks.mouth_center[1]
    assert 0.25 * face.w < marks.mouth_width < 0.55 * face.w


def test_landmarks_fall_back_to_face_geometry_when_nothing_is_visible():
    flat = np.full((200, 200, 3), 128, np.uint8)
    face = FaceBox(50, 50, 100, 100)
    marks = face_landmarks(flat, face)
    assert marks.left_eye == pytest.approx((80.0, 88.0)) and marks.right_eye == pytest.approx((120.0, 88.0))
    assert marks.lip_y == pytest.approx(128.0)


def test_landmarks_follow_the_photo_into_frame_coordinates(portrait):
    marks = face_landmarks(portrait, avatar_face(portrait))
    moved = marks.transformed(scale=2.0, dx=10.0, dy=-5.0)
    assert moved.left_eye == pytest.approx((marks.left_eye[0] * 2 + 10, marks.left_eye[1] * 2 - 5))
    assert moved.mouth_width == pytest.approx(marks.mouth_width * 2)
    assert moved.face.h == marks.face.h * 2
