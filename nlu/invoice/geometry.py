"""Page geometry for the reader: quarter turns, small tilts, text-box shapes.

Pure numpy/OpenCV helpers, apart from the reader so its flow reads as a flow.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from nlu.invoice.qr import QrHit


def to_bgr(image: object) -> np.ndarray:
    rgb = np.asarray(image)
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)


def quarter_turns(hit: QrHit) -> int:
    """Counter-clockwise quarter turns that stand the page upright, from the QR's rotation."""
    return round(hit.orientation / 90) % 4


def elongation(quad: np.ndarray) -> float:
    w = float(np.linalg.norm(quad[0] - quad[1]))
    h = float(np.linalg.norm(quad[0] - quad[3]))
    return max(w, h) / max(min(w, h), 1.0)


def is_tall(quad: np.ndarray) -> bool:
    w = float(np.linalg.norm(quad[0] - quad[1]))
    h = float(np.linalg.norm(quad[0] - quad[3]))
    return h > w


def order(points: np.ndarray) -> np.ndarray:
    s = points.sum(axis=1)
    d = points[:, 1] - points[:, 0]
    return np.array(
        [points[np.argmin(s)], points[np.argmin(d)], points[np.argmax(s)], points[np.argmax(d)]],
        dtype=np.float32,
    )


def rotate_quads(quads: list[np.ndarray], turns: int, width: int, height: int) -> list[np.ndarray]:
    """Map quads to the image `np.rot90(image, turns)` (counter-clockwise quarter turns)."""
    out = []
    for quad in quads:
        x, y = quad[:, 0], quad[:, 1]
        if turns % 4 == 1:
            pts = np.stack([y, width - 1 - x], axis=1)
        elif turns % 4 == 2:
            pts = np.stack([width - 1 - x, height - 1 - y], axis=1)
        elif turns % 4 == 3:
            pts = np.stack([height - 1 - y, x], axis=1)
        else:
            pts = quad
        out.append(order(pts.astype(np.float32)))
    return out


def tilt_degrees(quads: list[np.ndarray]) -> float:
    """The page's tilt from the median slope of its long, horizontal text lines."""
    angles = [
        math.degrees(math.atan2(float(q[1][1] - q[0][1]), float(q[1][0] - q[0][0])))
        for q in quads
        if elongation(q) >= 3 and not is_tall(q)
    ]
    return float(np.median(angles)) if len(angles) >= 3 else 0.0


def rotate_small(bgr: np.ndarray, degrees: float) -> np.ndarray:
    """Rotate by a small angle about the centre, growing the canvas so no corner is lost."""
    h, w = bgr.shape[:2]
    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    cos, sin = abs(matrix[0, 0]), abs(matrix[0, 1])
    new_w, new_h = int(h * sin + w * cos), int(h * cos + w * sin)
    matrix[0, 2] += new_w / 2 - w / 2
    matrix[1, 2] += new_h / 2 - h / 2
    return cv2.warpAffine(
        bgr, matrix, (new_w, new_h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
    )


def widen_along_row(
    seed: np.ndarray,
    parts: list[np.ndarray],
    neighbours: list[np.ndarray],
    reach: tuple[float, float],
) -> np.ndarray:
    """A quad along `seed`'s text direction covering `parts`, widened to find missed text.

    A stamp over a title hides part of it from detection; the hidden part lies on the same
    baseline. The band grows `reach` = (left, right) line heights each way, but stops at
    `neighbours` (other boxes on the row, such as the invoice code or number beside the title).
    """
    origin = seed[0]
    u = seed[1] - seed[0]
    u = u / max(float(np.linalg.norm(u)), 1e-6)
    v = np.array([-u[1], u[0]], dtype=np.float32)  # down the page when the text runs right
    points = np.concatenate(parts)
    along, across = (points - origin) @ u, (points - origin) @ v
    a0, a1 = float(along.min()), float(along.max())
    b0, b1 = float(across.min()), float(across.max())
    height = b1 - b0
    left, right = a0 - reach[0] * height, a1 + reach[1] * height
    for quad in neighbours:
        span = (quad - origin) @ u
        if span.min() >= a1:
            right = min(right, float(span.min()))
        elif span.max() <= a0:
            left = max(left, float(span.max()))
    pad = height / 8
    corners = [(left, b0 - pad), (right, b0 - pad), (right, b1 + pad), (left, b1 + pad)]
    return np.array([origin + a * u + b * v for a, b in corners], dtype=np.float32)
