"""Classical image analysis of product photos, no model and no GPU: where the product is (segmentation.py: a
GrabCut cut-out with a confidence) and what is worth a closer look (saliency.py: a colour-distance saliency map,
the salient box, detail regions)."""
