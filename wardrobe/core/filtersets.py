"""A django-filter ``FilterSet`` made for each request without copying its filters deeply (issue 18
point 10: the closet and the garment list answer within 15 ms of CPU).

``FilterSet.__init__`` gives each instance its filters by ``copy.deepcopy(base_filters)``. For the
closet's ``GarmentFilter`` (about 20 filters with choices and lazily translated labels and messages)
that was some 1,000 object copies, 0.7 ms of CPU per list (measured on this 2-core host).
:class:`ShallowCopyFilterSet` gives each instance shallow copies instead, which is what the deep
copy is for: a filter is changed after its class is made only by what each instance sets on its copy
(``model``, ``parent``, the lazily built form field ``_field`` and label ``_label``); ``extra`` (the
form field's arguments) is copied as a dict and a filter's ``method`` bound to its copy.
"""

from __future__ import annotations

import copy

import django_filters


class _ShallowCopies(dict):
    """``base_filters`` whose ``copy.deepcopy`` copies each filter shallowly (see the module docstring)."""

    def __deepcopy__(self, memo) -> dict:
        copies = {}
        for name, filter_ in self.items():
            mine = copy.copy(filter_)
            mine.extra = dict(filter_.extra)
            mine.__dict__.pop("_field", None)  # the form field: made again for each instance
            if filter_.method is not None:  # its FilterMethod, bound to this copy (finds the parent's method)
                mine.method = filter_.method
            copies[name] = mine
        return copies


class ShallowCopyFilterSet(django_filters.FilterSet):
    """A ``FilterSet`` whose instances copy their filters shallowly (see the module docstring);
    otherwise the same. Its form still copies its fields deeply (``BaseForm.__init__``)."""

    @classmethod
    def get_filters(cls):
        return _ShallowCopies(super().get_filters())
