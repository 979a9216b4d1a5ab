"""Mask2FormerHeadWithHooks: mmdet's Mask2Former decoder pass, with named hooks."""
import pytest
import torch
from mmengine.config import Config

from mmdet.registry import MODELS
from mmdn.models.dense_heads import Mask2FormerHeadWithHooks
from ..utils import REPO, build_config_model, mask_samples

CONFIG = 'configs/demo/mask2former_r18_demo.py'


def test_default_hooks_compute_mmdets_forward():
    """The baseline's head (mmdet's) and the hooked head with its weights agree to the
    bit, in training and evaluation."""
    model = build_config_model(CONFIG)
    head = model.panoptic_head
    cfg = Config.fromfile(REPO / CONFIG).model.panoptic_head
    cfg.pop('type')
    hooked = Mask2FormerHeadWithHooks(**cfg)
    hooked.load_state_dict(head.state_dict())
    samples = mask_samples([2, 3], (96, 128))
    torch.manual_seed(0)
    x = model.extract_feat(torch.randn(2, 3, 96, 128))
    for train in (True, False):
        head.train(train), hooked.train(train)
        with torch.no_grad():
            expected, actual = head(x, samples), hooked(x, samples)
        for a, b in zip(actual, expected):
            assert len(a) == len(b) == len(head.transformer_decoder.layers) + 1
            for u, v in zip(a, b):
                torch.testing.assert_close(u, v, rtol=0, atol=0)


@pytest.mark.parametrize('isolated', [True, False])
def test_a_subclass_adds_queries_through_the_hooks(monkeypatch, isolated):
    """Queries of a subclass's own enter before the learnt ones; under a self-attention
    mask that hides them from the learnt queries, those give every output they give
    alone (each query's masked cross-attention reads its own mask); without it, not."""
    model = build_config_model(CONFIG)
    cfg = Config.fromfile(REPO / CONFIG).model.panoptic_head
    cfg.pop('type')
    hooked = Mask2FormerHeadWithHooks(**cfg)
    hooked.load_state_dict(model.panoptic_head.state_dict())
    hooked.eval()
    extra = dict(query=torch.randn(2, 3, 128), query_pos=torch.randn(2, 3, 128))
    num_queries = hooked.num_queries
    mask = torch.zeros(3 + num_queries, 3 + num_queries)
    mask[3:, :3] = float('-inf')
    initial_queries = hooked.initial_queries

    def with_extra_queries(batch_size, extra):
        query, query_pos = initial_queries(batch_size, extra)
        if extra is None:
            return query, query_pos
        return (torch.cat([extra['query'], query], 1),
                torch.cat([extra['query_pos'], query_pos], 1))

    monkeypatch.setattr(hooked, 'initial_queries', with_extra_queries)
    monkeypatch.setattr(hooked, 'decoder_self_attn_mask',
                        lambda extra: mask if extra is not None and isolated else None)
    samples = mask_samples([2, 3], (96, 128))
    torch.manual_seed(0)
    x = model.extract_feat(torch.randn(2, 3, 96, 128))
    with torch.no_grad():
        plain_cls, plain_masks = hooked(x, samples)
        cls, masks = hooked(x, samples, extra)
    assert cls[-1].shape == (2, 3 + num_queries, plain_cls[-1].size(-1))
    assert masks[-1].shape[:2] == (2, 3 + num_queries)
    torch.testing.assert_close(cls[0][:, 3:], plain_cls[0])
    same = torch.allclose(cls[-1][:, 3:], plain_cls[-1], rtol=1e-4, atol=1e-4) and \
        torch.allclose(masks[-1][:, 3:], plain_masks[-1], rtol=1e-4, atol=1e-4)
    assert same == isolated


def test_dn_mask2former_head_uses_the_hooks_not_a_loop_of_its_own():
    cls = MODELS.get('DNMask2FormerHead')
    assert issubclass(cls, Mask2FormerHeadWithHooks) and 'forward' not in vars(cls)
