"""DN-Conditional-DETR: denoising on mmdet's own Conditional DETR, through the seam."""
import pytest
import torch
from mmengine.config import Config

from mmdet.models.detectors import ConditionalDETR
from mmdet.registry import MODELS
from mmdet.structures.bbox import bbox_xyxy_to_cxcywh
from mmdn.models.detectors import DNDetectorMixin
from ..utils import REPO
from .test_dn_detector_mixin import build_model, decoder_outputs, make_batch

BASELINE = 'configs/demo/conditional_detr_r18_demo.py'
DN = 'configs/demo/dn_conditional_detr_r18_demo.py'
MODEL_CODE = ['mmdn/models/detectors/dn_conditional_detr.py',
              'mmdn/models/dense_heads/dn_conditional_detr_head.py']


def test_model_code_is_at_most_60_lines():
    assert sum(len((REPO / f).read_text().splitlines()) for f in MODEL_CODE) <= 60


def test_inference_is_mmdets_conditional_detr():
    """With the 'unknown' label's embedding zero (Conditional DETR's content is zero),
    the DN model given the baseline's weights predicts what mmdet's model predicts: the
    seam's decoder pass is mmdet's."""
    torch.manual_seed(0)
    baseline = MODELS.build(Config.fromfile(REPO / BASELINE).model)
    baseline.init_weights()
    model = build_model(DN)
    missing, unexpected = model.load_state_dict(baseline.state_dict(), strict=False)
    assert not unexpected and all(k.startswith(('box_embedding', 'dn_query_generator'))
                                  for k in missing)
    torch.nn.init.zeros_(model.dn_query_generator.label_embedding.weight)
    inputs, samples = make_batch([2, 1])
    with torch.no_grad():
        expected = baseline.eval().forward_transformer(baseline.extract_feat(inputs), samples)
        actual = model.eval().forward_transformer(model.extract_feat(inputs), samples)
    assert set(actual) == {'hidden_states', 'references'}
    torch.testing.assert_close(actual['hidden_states'], expected['hidden_states'],
                               rtol=0, atol=0)
    torch.testing.assert_close(actual['references'], expected['references'], rtol=0, atol=0)


def test_noised_box_centres_are_the_reference_points():
    model = build_model(DN)
    model.train()
    inputs, samples = make_batch([3, 1])
    seen = {}
    dn_decoder_inputs = model.dn_decoder_inputs

    def spy(dn_boxes):
        seen['dn_boxes'] = dn_boxes
        return dn_decoder_inputs(dn_boxes)

    model.dn_decoder_inputs = spy
    out = decoder_outputs(model, inputs, samples)
    dn_meta, dn_boxes = out['dn_meta'], seen['dn_boxes']
    num_dn = dn_meta['num_dn_queries']
    assert dn_boxes.shape == (2, num_dn, 4)
    assert out['references'].shape == (1, 2, num_dn + 30, 2)  # one for all layers
    torch.testing.assert_close(out['references'][0, :, :num_dn], dn_boxes[..., :2].sigmoid())
    # The noise moved the centres (λ1 = 0.4): the references are not the objects'.
    centres = torch.zeros(2, dn_meta['group_size'], 2)
    for b, s in enumerate(samples):
        h, w = s.img_shape
        boxes = bbox_xyxy_to_cxcywh(s.gt_instances.bboxes / torch.tensor([w, h, w, h]))
        centres[b, :len(boxes)] = boxes[:, :2]
    references = out['references'][0, :, :num_dn].unflatten(1, (-1, dn_meta['group_size']))
    moved = (references - centres[:, None]).abs().amax(-1)[dn_meta['valid'][:, None]
                                                             .expand_as(references[..., 0])]
    assert moved.max() > 1e-3


def test_without_the_seam_the_build_names_the_decoder_and_the_mixin():
    class UnmaskedDNConditionalDETR(DNDetectorMixin, ConditionalDETR):
        pass

    cfg = Config.fromfile(REPO / DN).model
    cfg.pop('type')
    with pytest.raises(TypeError, match='ConditionalDetrTransformerDecoder.*'
                       'MaskedConditionalDecoderMixin.*before ConditionalDETR'):
        UnmaskedDNConditionalDETR(**cfg)
