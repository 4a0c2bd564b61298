"""Dataset mappings (vision.taxonomy over vocabulary.taxonomy), the instance rule, and the packs'
sample index (the training data hash). No Django, no model."""

from __future__ import annotations

import numpy as np

from tests.vision.conftest import DATASETS
from vision import datasets, pack, taxonomy


def test_taxonomy_covers_both_datasets():
    assert len(taxonomy.CATEGORIES) == 27
    assert {c.section for c in taxonomy.CATEGORIES} == {s for s, _ in taxonomy.SECTIONS}
    assert len(taxonomy.CCP_LABELS) == 59 and set(taxonomy.CCP_TO_TYPE) == set(taxonomy.CCP_LABELS)
    for background in ("null", "skin", "hair"):
        assert taxonomy.CCP_TO_TYPE[background] is None
    assert taxonomy.category_of_type(taxonomy.CCP_TO_TYPE["jeans"]) == "pants"
    assert taxonomy.category_of_type(taxonomy.CCP_TO_TYPE["sneakers"]) == "shoe"
    assert set(taxonomy.EVAL_LABELS) <= set(taxonomy.CLOTHING_TO_TYPE)
    for label in taxonomy.EVAL_LABELS:  # each evaluated class is reachable from its own type
        assert taxonomy.TYPE_TO_EVAL_LABEL[taxonomy.CLOTHING_TO_TYPE[label]] == label


def test_one_vocabulary():
    """Sections, categories and types are vocabulary.taxonomy's own objects, not a copy."""
    import vocabulary.taxonomy as vocab

    assert taxonomy.CATEGORIES is vocab.CATEGORIES and taxonomy.TYPES is vocab.TYPES
    assert taxonomy.SECTIONS is vocab.SECTIONS and taxonomy.category_of_type is vocab.category_of_type


def test_ccp_instances_follow_the_instance_rule():
    labels = datasets.read_ccp_labels(DATASETS / "ccp", "0008")
    cat_map = datasets.ccp_category_map(labels)
    insts = datasets.instances_from_category_map(cat_map)
    ids = [cid for cid, _ in insts]
    assert len(ids) == len(set(ids)) > 0  # one instance per category
    union = np.zeros_like(cat_map, dtype=bool)
    for _, m in insts:
        assert not (union & m).any()
        union |= m
    assert (union == (cat_map > 0)).all()
    skin = taxonomy.CCP_LABELS.index("skin")
    assert (cat_map[labels == skin] == 0).all()


def test_dataset_index_names_every_sample_with_its_label_and_split():
    cls_index, det_index = pack.dataset_indexes(DATASETS)
    assert cls_index[0] == "classifier-pack size=144" and det_index[0] == "detector-pack long_side=448"
    assert det_index[1:] == ["ccp/0008\tval", "ccp/0016\tval"]  # both fixture photos are validation
    clothing = [line for line in cls_index[1:] if line.startswith("clothing-dataset/")]
    assert len(clothing) == 4 and len(cls_index) > 5  # the four photos, then CCP crops
    assert all(len(line.split("\t")) == 3 for line in cls_index[1:])
    assert pack.index_sha256(cls_index) != pack.index_sha256(det_index)
    assert pack.index_sha256(cls_index[:-1]) != pack.index_sha256(cls_index)  # one sample less: another hash
