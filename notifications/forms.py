"""Forms of the cabinet: which channels a person wants their notices on."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ChannelPreferencesForm(forms.Form):
    sms = forms.BooleanField(required=False, label=_("SMS"))
    email = forms.BooleanField(required=False, label=_("Email"))
