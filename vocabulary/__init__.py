"""The app's one vocabulary: plain Python, no Django and no torch, so that the web side (models,
forms, serializers, the frozen copies in migrations) and ``vision`` (training, serving) name things
the same way.

* :mod:`vocabulary.taxonomy`: closet sections, garment categories and types;
* :mod:`vocabulary.palette`: colour names and their sRGB values, and which are neutrals;
* :mod:`vocabulary.warmth`: clothing insulation (clo) per category and type, and its limits;
* :mod:`vocabulary.seasons`: the four seasons;
* :mod:`vocabulary.roles`: what each category is in an outfit (top, bottom, shoes, ...) and where it
  goes on the outfit canvas.
"""
