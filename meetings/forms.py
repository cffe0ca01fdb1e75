from django import forms

from meetings.models import Room


class RoomForm(forms.ModelForm):
    class Meta:
        model = Room
        fields = ["name", "access", "max_participants"]
