"""A django-filter ``FilterSet`` made for each request without copying its filters deeply (issue 18
point 10: the closet and the garment list answer within 15 ms of CPU).

``FilterSet.__init__`` gives each instance its filters by ``copy.deepcopy(base_filters)``. For the
closet's ``GarmentFilter`` (about 20 filters with choices and lazily translated labels and messages)
that was some 1,000 object copies, 0.7 ms of CPU per list (measured on this 2-core host).
:class:`ShallowCopyFilterSet` gives each instance shallow copies instead, which is what the deep
copy is for: a filter is changed after its class is made only by what each instance sets on its copy
(``model``, ``parent``, the lazily built form field ``_field`` and label ``_label``); ``extra`` (the
form field's arguments) is copied as a dict and a filter's ``method`` bound to its copy. Its form,
made for each instance too, copies its fields without their choices (``_FieldCopies``): 0.5 ms less.
"""

from __future__ import annotations

import copy

import django_filters
from django import forms


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


class _FieldCopies(dict):
    """A form class's ``base_fields`` whose ``copy.deepcopy`` (``BaseForm.__init__``, once per form)
    copies each field as Django's ``Field.__deepcopy__`` does (the field, its widget and the widget's
    ``attrs``, ``error_messages``, ``validators``) but shares the choices of a choice field and its
    widget, which ``ChoiceField.__deepcopy__`` copies deeply (lists of lazily translated labels:
    most of the form's 0.6 ms). Choices are replaced (``field.choices = ...``), never changed in
    place, so a form that sets its own still gets its own. A field of several fields or widgets
    (``MultiValueField``, ``MultiWidget``) is copied deeply as before."""

    def __deepcopy__(self, memo) -> dict:
        copies = {}
        for name, field in self.items():
            if isinstance(field, forms.MultiValueField) or isinstance(field.widget, forms.MultiWidget):
                copies[name] = copy.deepcopy(field, memo)
                continue
            mine = copy.copy(field)
            mine.widget = copy.copy(field.widget)
            mine.widget.attrs = dict(field.widget.attrs)
            mine.error_messages = dict(field.error_messages)
            mine.validators = list(field.validators)
            copies[name] = mine
        return copies


class ShallowCopyFilterSet(django_filters.FilterSet):
    """A ``FilterSet`` whose instances copy their filters shallowly, and whose forms copy their
    fields without copying their choices (see the module docstring); otherwise the same."""

    @classmethod
    def get_filters(cls):
        return _ShallowCopies(super().get_filters())

    def get_form_class(self):
        form_class = super().get_form_class()
        if not isinstance(form_class.base_fields, _FieldCopies):
            form_class.base_fields = _FieldCopies(form_class.base_fields)
        return form_class
