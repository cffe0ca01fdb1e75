from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from accounts.forms import ProfileForm


@login_required
def profile(request):
    """Let a signed-in person change the name others see in meetings."""
    form = ProfileForm(request.POST or None, initial={"display_name": request.user.display_name})
    if request.method == "POST" and form.is_valid():
        request.user.display_name = form.cleaned_data["display_name"].strip()
        request.user.save(update_fields=["display_name"])
        messages.success(request, _("Your profile was saved."))
        return redirect("profile")
    return render(request, "accounts/profile.html", {"form": form})
