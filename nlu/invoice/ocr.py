"""A lean driver over rapidocr-onnxruntime's three models (detect, classify, recognise).

We call the models directly instead of `RapidOCR.__call__` for speed on a 2-core machine:
- recognition batches are built by width without rapidocr's 320-pixel minimum, so the many short
  labels and figures of an invoice cost what they are, not what a long line costs;
- the caller chooses which crops to recognise, and may recognise only the left end (the label)
  of a long line first and the rest only when the label says the line matters;
- the angle classifier runs on a handful of crops to vote on the page orientation, not per line.
Threads are capped per process so a pool of readers does not oversubscribe the cores.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

REC_HEIGHT = 48
# Each recognition crop is padded at least to this width (in multiples of height).
MIN_REC_RATIO = 1.0
MAX_BATCH = 8
# A batch is cut when its widest crop would pad the narrowest beyond this factor.
BATCH_SPREAD = 1.35
# Pages whose smaller text lines come out below MIN_DET_TEXT_PX at detection scale (an invoice
# inside a screenshot) are detected again with those lines at TARGET_DET_TEXT_PX.
MIN_DET_TEXT_PX = 12.0
TARGET_DET_TEXT_PX = 16.0


@dataclass(slots=True)
class Crop:
    """One detected text line: its quadrilateral on the page and the rectified pixels."""

    quad: np.ndarray  # 4x2 float32: top-left, top-right, bottom-right, bottom-left
    image: np.ndarray  # rectified BGR crop, text running left to right

    @property
    def ratio(self) -> float:
        h, w = self.image.shape[:2]
        return float(w) / max(int(h), 1)


class OcrEngine:
    """The three rapidocr models, loaded once per process."""

    def __init__(self, threads: int = 2, det_limit: int = 800) -> None:
        from rapidocr_onnxruntime import RapidOCR
        from rapidocr_onnxruntime.utils import infer_engine

        # onnxruntime's worker threads spin while waiting for work by default; on a shared
        # 2-core machine that burns the other process's time (measured: ~40% slower reads
        # under load). rapidocr exposes no switch, so wrap its session options while loading.
        session_class = infer_engine.OrtInferSession
        original = session_class.__dict__["_init_sess_opts"]

        def no_spinning(config: dict[str, object]) -> object:
            options = original.__func__(config)
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            options.add_session_config_entry("session.inter_op.allow_spinning", "0")
            return options

        session_class._init_sess_opts = staticmethod(no_spinning)
        try:
            engine = RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=1)
        finally:
            session_class._init_sess_opts = original
        self._det = engine.text_det
        # rapidocr chooses the detection size itself unless told; pin it to "no resizing beyond
        # rounding to a multiple of 32", since `detect` has already scaled the page.
        from rapidocr_onnxruntime.ch_ppocr_det.utils import DetPreProcess

        preprocess = DetPreProcess(100_000, "max", self._det.mean, self._det.std)
        self._det.get_preprocess = lambda _max_wh: preprocess
        self._cls = engine.text_cls
        self._rec = engine.text_rec
        self.det_limit = det_limit

    # -- detection -------------------------------------------------------------------------

    def detect(self, image: np.ndarray) -> list[np.ndarray]:
        """Quadrilaterals of the text lines on a BGR page (points in page pixels)."""
        h, w = image.shape[:2]
        # Detection at a bounded size: invoice text is large enough at ~1000 px, and the cost
        # grows with area. rapidocr would pick its own size; we downscale ourselves instead.
        scale = min(1.0, self.det_limit / max(h, w))
        small = image
        if scale < 1:
            small = cv2.resize(
                image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA
            )
        boxes, _ = self._det(small)
        if boxes is None or len(boxes) == 0:
            return []
        if scale < 1:
            # Small print on a large page (a screenshot with the invoice inside another app):
            # detect again at the resolution that brings the smaller lines to a readable size.
            heights = [min(np.linalg.norm(b[0] - b[3]), np.linalg.norm(b[0] - b[1])) for b in boxes]
            small_text = float(np.percentile(heights, 25))
            if small_text < MIN_DET_TEXT_PX:
                scale = min(1.0, scale * TARGET_DET_TEXT_PX / max(small_text, 1.0))
                if scale < 1:
                    small = cv2.resize(
                        image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA
                    )
                else:
                    small = image
                boxes, _ = self._det(small)
                if boxes is None or len(boxes) == 0:
                    return []
        return [np.asarray(b, dtype=np.float32) / scale for b in boxes]

    # -- cropping --------------------------------------------------------------------------

    @staticmethod
    def crop(image: np.ndarray, quad: np.ndarray) -> Crop:
        points = quad.astype(np.float32)
        width = int(
            max(np.linalg.norm(points[0] - points[1]), np.linalg.norm(points[2] - points[3]))
        )
        height = int(
            max(np.linalg.norm(points[0] - points[3]), np.linalg.norm(points[1] - points[2]))
        )
        width, height = max(width, 1), max(height, 1)
        target = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
        matrix = cv2.getPerspectiveTransform(points, target)
        pixels = cv2.warpPerspective(
            image, matrix, (width, height), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC
        )
        if height / width >= 1.5:
            pixels = np.rot90(pixels)
        return Crop(quad=points, image=pixels)

    # -- recognition -----------------------------------------------------------------------

    def recognize(self, images: list[np.ndarray]) -> list[tuple[str, float]]:
        """Text and mean character confidence for each crop, batched by similar width."""
        if not images:
            return []
        ratios = [img.shape[1] / max(img.shape[0], 1) for img in images]
        order = sorted(range(len(images)), key=lambda i: ratios[i])
        results: list[tuple[str, float]] = [("", 0.0)] * len(images)
        start = 0
        while start < len(order):
            end = start + 1
            base = max(ratios[order[start]], MIN_REC_RATIO)
            while (
                end < len(order)
                and end - start < MAX_BATCH
                and max(ratios[order[end]], MIN_REC_RATIO) <= base * BATCH_SPREAD
            ):
                end += 1
            batch = order[start:end]
            max_ratio = max(MIN_REC_RATIO, *(ratios[i] for i in batch))
            tensor = np.stack([self._normalise(images[i], max_ratio) for i in batch])
            preds = self._rec.session(tensor)[0]
            decoded = self._rec.postprocess_op(preds)
            for i, (text, score) in zip(batch, decoded, strict=True):
                results[i] = (text, float(score))
            start = end
        return results

    def log_posteriors(self, image: np.ndarray) -> np.ndarray:
        """The recognition model's per-frame log probabilities for one crop (frames x classes)."""
        h, w = image.shape[:2]
        tensor = self._normalise(image, max(MIN_REC_RATIO, w / max(h, 1)))[None]
        probs = self._rec.session(tensor)[0][0]
        logp: np.ndarray = np.log(np.clip(probs, 1e-12, 1.0))
        return logp

    def encode(self, text: str) -> list[int] | None:
        """Class indices of `text` for CTC scoring, or None if a character is not in the model."""
        index = self._rec.postprocess_op.dict
        labels = [index.get(char) for char in text]
        if any(label is None for label in labels):
            return None
        return [int(label) for label in labels if label is not None]

    @staticmethod
    def _normalise(image: np.ndarray, max_ratio: float) -> np.ndarray:
        width = int(REC_HEIGHT * max_ratio)
        h, w = image.shape[:2]
        resized_w = min(width, math.ceil(REC_HEIGHT * w / max(h, 1)))
        pixels = cv2.resize(image, (max(resized_w, 1), REC_HEIGHT)).astype(np.float32)
        scaled = (pixels.transpose((2, 0, 1)) / 255 - 0.5) / 0.5
        padded = np.zeros((3, REC_HEIGHT, width), dtype=np.float32)
        padded[:, :, : scaled.shape[2]] = scaled
        return padded

    # -- orientation -----------------------------------------------------------------------

    def upside_down_share(self, images: list[np.ndarray]) -> float:
        """Share of crops the angle classifier calls rotated by 180° (confidently)."""
        if not images:
            return 0.0
        _, results, _ = self._cls(list(images))
        flipped = sum(1 for label, score in results if "180" in label and score > 0.8)
        return flipped / len(images)
