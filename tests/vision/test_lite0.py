"""The ImageNet EfficientNet-Lite0 backbone (vision.lite0) and the models built on it
(vision.lite0_models): strict loading of the package's weights, what they see in a real photo, the
stride-8/16/32 features, and the serving interface of the classifier. No Django here."""

from __future__ import annotations

import pytest
import torch
from PIL import Image

from tests.vision.conftest import FIXTURES
from vision import lite0, lite0_models, presets, taxonomy
from vision.registry import build_model

JERSEY = 610  # ImageNet-1k class "jersey, T-shirt, tee shirt"


@pytest.fixture(scope="module")
def imagenet():
    torch.manual_seed(0)
    return lite0.load_imagenet(lite0.EfficientNetLite0()).eval()


def _photo(name: str, size: int = 224) -> torch.Tensor:
    """A fixture photo letterboxed to ``size``, uint8 (1, 3, size, size)."""
    return presets.to_uint8_chw(presets.letterbox(Image.open(FIXTURES / name), size))[None]


def test_imagenet_weights_load_strictly_and_see_a_tshirt(imagenet):
    """All 296 tensors of the package load (strict), and a held-out T-shirt photo is a jersey."""
    assert len(lite0.imagenet_state_dict()) == 296
    with torch.no_grad():
        probs = torch.softmax(imagenet(lite0.scale_input(_photo("clothing_tshirt.jpg"))), 1)[0]
    assert int(probs.argmax()) == JERSEY
    # A photo of shoes is not a jersey: the weights see the photo, not a fixed answer.
    with torch.no_grad():
        shoes = torch.softmax(imagenet(lite0.scale_input(_photo("clothing_shoes.jpg"))), 1)[0]
    assert int(shoes.argmax()) != JERSEY


def test_lite2_weights_load_strictly_and_see_a_tshirt():
    """EfficientNet-Lite2 (``variant="lite2"``): every tensor of its package loads into the stage table
    of :data:`lite0.LITE2_STAGES` (strict: a wrong width or repeat count fails), its features come at
    strides 8/16/32 with 48/120/352 channels, and it too sees a jersey in the T-shirt photo, not in shoes."""
    model = lite0.load_imagenet(lite0.EfficientNetLite0(variant="lite2")).eval()
    assert len(model._blocks) == 21 and len(lite0.imagenet_state_dict("lite2")) > 296
    with torch.no_grad():
        feats = model.features(torch.zeros(1, 3, 260, 200))
        tshirt = torch.softmax(model(lite0.scale_input(_photo("clothing_tshirt.jpg", 260))), 1)[0]
        shoes = torch.softmax(model(lite0.scale_input(_photo("clothing_shoes.jpg", 260))), 1)[0]
    assert {k: tuple(f.shape[1:]) for k, f in feats.items()} == {
        "8": (48, 33, 25),
        "16": (120, 17, 13),
        "32": (352, 9, 7),
    }
    assert int(tshirt.argmax()) == JERSEY and int(shoes.argmax()) != JERSEY
    with pytest.raises(ValueError, match="lite3"):
        lite0.EfficientNetLite0(variant="lite3")


@pytest.mark.parametrize("h,w", [(224, 160), (193, 131)])
def test_features_at_strides_8_16_32(imagenet, h, w):
    """TensorFlow "SAME" padding: each level is ceil(side / stride), with 40/112/320 channels."""
    with torch.no_grad():
        feats = imagenet.features(torch.zeros(2, 3, h, w))
    assert list(feats) == ["8", "16", "32"]
    for name, f in feats.items():
        s = int(name)
        assert f.shape == (2, lite0.FEATURE_CHANNELS[name], -(-h // s), -(-w // s))
    assert imagenet.pooled(torch.zeros(1, 3, h, w)).shape == (1, lite0.HEAD_CHANNELS)


def test_detector_starts_from_the_imagenet_backbone():
    model = build_model(lite0_models.DETECTOR_ARCH, taxonomy.CATEGORY_SLUGS)
    lite0_models.load_imagenet_backbone(model)
    body = model.backbone.body
    source = lite0.imagenet_state_dict()
    assert all(torch.equal(v, source[k]) for k, v in body.state_dict().items())
    # Frozen BatchNorm with the weights' eps, and the stem and first blocks are not trained.
    from torchvision.ops import FrozenBatchNorm2d

    assert isinstance(body._bn0, FrozenBatchNorm2d) and body._bn0.eps == lite0.BN_EPS
    assert not any(p.requires_grad for p in body._conv_stem.parameters())
    assert all(p.requires_grad for p in body._blocks[-1].parameters())
    model.eval()
    with torch.no_grad():
        out = model([_photo("ccp_0016.jpg", 320)[0].float() / 255])[0]
    assert set(out) == {"boxes", "labels", "scores", "masks"}


def test_classifier_serving_interface():
    model = build_model(lite0_models.CLASSIFIER_ARCH, ["t-shirt", "pants", "shoes"], input_size=96).eval()
    lite0_models.load_imagenet_backbone(model)
    x = model.prepare(_photo("clothing_tshirt.jpg", model.input_size))
    assert x.shape == (1, 3, 96, 96) and x.dtype == torch.float32
    assert torch.allclose(x, model.normalize(_photo("clothing_tshirt.jpg", 96).float() / 255), atol=1e-5)
    with torch.no_grad():
        model.fc.weight.normal_()
        probs, single = model.predict(x)
        model.temperature.fill_(4.0)
        flat, _ = model.predict(x)
    assert probs.shape == (1, 3) and torch.allclose(probs.sum(1), torch.ones(1))
    assert single.shape == (1,) and 0.0 <= float(single) <= 1.0
    # A higher temperature flattens the same logits; their order stays.
    assert float(flat.max()) < float(probs.max()) and int(flat.argmax()) == int(probs.argmax())


def test_attribute_classifier_on_lite2_round_trips_through_a_checkpoint(tmp_path):
    """An attribute model on the Lite2 backbone records ``variant`` in its checkpoint's config, so
    serving rebuilds the same 21-block network and answers the same probabilities; a Lite0 model's
    config (every committed file) rebuilds Lite0."""
    from vision.checkpoints import load_model, save_checkpoint

    labels = ["neckline:collar", "neckline:crew", "neckline:v"]
    model = build_model(lite0_models.ATTRIBUTE_ARCH, labels, input_size=96, region="top", variant="lite2").eval()
    assert model.spec.config["variant"] == "lite2" and len(model.backbone._blocks) == 21
    save_checkpoint(tmp_path / "top.pt", model, data_sha256="0" * 64)
    served = load_model(tmp_path / "top.pt")
    x = model.prepare(_photo("clothing_tshirt.jpg", 96))
    with torch.no_grad():
        assert torch.allclose(served.predict(x)["neckline"], model.predict(x)["neckline"], atol=1e-5)
    lite0_config = {k: v for k, v in model.spec.config.items() if k != "variant"}
    assert len(build_model(lite0_models.ATTRIBUTE_ARCH, labels, **lite0_config).backbone._blocks) == 16
