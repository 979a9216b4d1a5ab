"""Denoising positional queries for detectors whose positional queries are not boxes."""
from torch import Tensor, nn


class DNBoxEmbeddingMixin:
    """The positional query of a denoising query is a linear embedding (``box_embedding``,
    4 -> D) of its noised box, normalised (cx, cy, w, h) (§4.7.2, DN-Vanilla-DETR: the
    paper leaves the embedding's input open). For DETR and Conditional DETR, whose
    learnt positional queries carry no box a denoising query could share. Put it before
    :class:`DNDetectorMixin` in the bases."""

    def _init_layers(self) -> None:
        """The baseline's layers plus the box embedding."""
        super()._init_layers()
        self.box_embedding = nn.Linear(4, self.embed_dims)

    def dn_anchors(self, dn_boxes: Tensor) -> Tensor:
        """The box embedding of the noised boxes, (bs, P*M, 4) before sigmoid -> (bs,
        P*M, D)."""
        return self.box_embedding(dn_boxes.sigmoid())
