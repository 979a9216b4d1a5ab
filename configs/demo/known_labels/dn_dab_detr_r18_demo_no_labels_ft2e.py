# The control of the demo's known-label fine-tuning: the same 2 epochs from the same
# checkpoint at the same lr, without labels (plain DN-DAB-DETR).
_base_ = './dn_dab_detr_r18_demo_known_labels_ft2e.py'
model = dict(type='DNDABDETR')
