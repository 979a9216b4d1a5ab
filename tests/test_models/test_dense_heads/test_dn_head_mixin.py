"""The head side of the DN contract (:class:`DNHeadMixin`), on every DN demo model's head."""
import copy

import pytest
import torch

from ..test_detectors.test_dn_detector_mixin import DN_DEMO_CONFIGS, build_model, make_batch


@pytest.fixture(params=DN_DEMO_CONFIGS)
def model(request):
    return build_model(request.param)


def _with_dn_part(head_inputs, num_dn):
    """The head inputs with ``num_dn`` random queries put before the matching ones."""
    out = dict(head_inputs)
    hidden_states = head_inputs['hidden_states']
    out['hidden_states'] = torch.cat([torch.randn_like(hidden_states[:, :, :num_dn]),
                                      hidden_states], dim=2)
    references = head_inputs.get('references')  # (..., bs, W, k), or a list of them
    if isinstance(references, list):
        out['references'] = [torch.cat([r[..., :num_dn, :].flip(-2), r], dim=-2)
                             for r in references]
    elif references is not None:
        out['references'] = torch.cat([references[..., :num_dn, :].flip(-2), references],
                                      dim=-2)
    out['dn_meta'] = dict(num_dn_queries=num_dn)
    return out


def test_predict_drops_the_dn_part(model):
    model.eval()
    inputs, samples = make_batch([2, 3])
    with torch.no_grad():
        head_inputs = model.forward_transformer(model.extract_feat(inputs), samples)
        plain = model.bbox_head.predict(**head_inputs, batch_data_samples=samples)
        with_dn = model.bbox_head.predict(**_with_dn_part(head_inputs, 6),
                                          batch_data_samples=samples)
    for a, b in zip(plain, with_dn):
        torch.testing.assert_close(a.bboxes, b.bboxes)
        torch.testing.assert_close(a.scores, b.scores)
        assert torch.equal(a.labels, b.labels)


def test_loss_reports_the_last_layer_matching_part(model):
    """The seam of the matching-instability hook: the last decoder layer's matching
    scores and boxes, with the objects and metainfo they were matched against."""
    model.train()
    inputs, samples = make_batch([2, 3])
    seen = []
    model.bbox_head.matching_observer = lambda *args: seen.append(args)
    head_inputs = model.forward_transformer(model.extract_feat(inputs), samples)
    model.bbox_head.loss(**copy.copy(head_inputs), batch_data_samples=samples)
    assert len(seen) == 1
    scores, boxes, objects, metas = seen[0]
    num_dn = head_inputs['dn_meta']['num_dn_queries']
    num_matching = head_inputs['hidden_states'].size(2) - num_dn
    layers_scores, layers_boxes = model.bbox_head(
        head_inputs['hidden_states'], *([head_inputs['references']]
                                        if 'references' in head_inputs else []))
    torch.testing.assert_close(scores, layers_scores[-1][:, num_dn:])
    torch.testing.assert_close(boxes, layers_boxes[-1][:, num_dn:])
    assert scores.shape[:2] == (2, num_matching)
    assert [len(o) for o in objects] == [2, 3] and len(metas) == 2
