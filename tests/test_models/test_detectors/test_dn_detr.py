import torch

from mmdet.registry import MODELS
from mmdet.structures.bbox import bbox_xyxy_to_cxcywh
from mmdn.models.detectors import DNDETR
from .test_dn_detector_mixin import build_model, decoder_outputs, make_batch

DN_DETR = 'configs/demo/dn_detr_r18_demo.py'


def test_dn_positional_queries_embed_the_boxes():
    model = build_model(DN_DETR, with_box_noise=False, with_label_noise=False)
    model.train()
    inputs, samples = make_batch([2, 1])
    captured = {}
    forward_decoder = model.forward_decoder

    def capture(**kwargs):
        captured.update(kwargs)
        return forward_decoder(**kwargs)

    model.forward_decoder = capture
    out = decoder_outputs(model, inputs, samples)
    num_dn, M = out['dn_meta']['num_dn_queries'], out['dn_meta']['group_size']
    query_pos, query = captured['query_pos'], captured['query']
    assert query_pos.shape == query.shape == (2, num_dn + 30, 128)
    torch.testing.assert_close(query_pos[:, num_dn:],
                               model.query_embedding.weight.expand(2, -1, -1))
    for b, s in enumerate(samples):
        h, w = s.img_shape
        boxes = bbox_xyxy_to_cxcywh(s.gt_instances.bboxes / torch.tensor([w, h, w, h]))
        for p in range(model.dn_query_generator.num_groups):
            slots = slice(p * M, p * M + len(boxes))
            torch.testing.assert_close(query_pos[b, slots], model.box_embedding(boxes),
                                       rtol=1e-4, atol=1e-5)
    # The matching queries' content is the 'unknown' label with indicator 0.
    torch.testing.assert_close(query[:, num_dn:],
                               model.dn_query_generator.matching_content(30).expand(2, -1, -1))


def test_dn_losses_train_the_box_embedding():
    model = build_model(DN_DETR)
    model.train()
    inputs, samples = make_batch([3, 2])
    losses = model.loss(inputs, samples)
    assert {'dn_loss_cls', 'd1.dn_loss_iou', 'loss_cls'} <= set(losses)
    sum(v for k, v in losses.items() if 'dn_loss' in k).backward()
    assert model.box_embedding.weight.grad.abs().sum() > 0
    assert MODELS.get('DNDETR') is DNDETR


def test_head_keeps_detr_class_weights():
    """DETRHead's background weight (0.1) survives the subclass."""
    model = build_model(DN_DETR)
    weights = torch.as_tensor(model.bbox_head.loss_cls.class_weight)
    assert weights.shape == (7, ) and weights[-1] == 0.1 and (weights[:-1] == 1).all()
    assert model.bbox_head.bg_cls_weight == 0.1
