"""Sentences about a person's role and delegation, written once per role.

"You are registered as {role} of the delegation of {delegation}" with a role word spliced in
cannot be translated: French needs "délégué" or "déléguée", Arabic "مندوب" or "مندوبة",
Russian a case for the role and for the country. So each role has its own sentences (with
the delegation and without), and translators are free to phrase each one so that it agrees,
or avoids gender altogether. The delegation is its name in the reader's language
(:func:`bot.cards.delegation_name`), never its code.

Each function returns plain text with its values already isolated; escape nothing more.
"""

from __future__ import annotations

from bot.i18n import Translator
from bot.store.models import Role


def registered_as(t: Translator, role: Role, delegation: str | None) -> str:
    """"You are registered as a delegate of the delegation of France." (the welcome)."""
    if role == Role.DELEGATE:
        if delegation:
            # TRANSLATORS: {delegation} is the delegation's name ("France", "UNODC"), in the nominative:
            # phrase the sentence so that the name needs no case ending or article
            return t._("You are registered as a delegate of the delegation of {delegation}.").format(delegation=delegation)
        return t._("You are registered as a delegate.")
    if role == Role.ORGANISER:
        if delegation:
            # TRANSLATORS: {delegation} is the delegation's name ("France", "UNODC"), in the nominative:
            # phrase the sentence so that the name needs no case ending or article
            return t._("You are registered as an organiser, with the delegation of {delegation}.").format(delegation=delegation)
        return t._("You are registered as an organiser.")
    if role == Role.OFFICER:
        if delegation:
            # TRANSLATORS: {delegation} is the delegation's name ("France", "UNODC"), in the nominative:
            # phrase the sentence so that the name needs no case ending or article
            return t._("You are registered as a liaison officer for the delegation of {delegation}.").format(delegation=delegation)
        return t._("You are registered as a liaison officer.")
    if delegation:
        # TRANSLATORS: {delegation} is the delegation's name ("France", "UNODC"), in the nominative:
        # phrase the sentence so that the name needs no case ending or article
        return t._("You are registered as a liaison supervisor for the delegation of {delegation}.").format(delegation=delegation)
    return t._("You are registered as a liaison supervisor.")


def whoever_opens(t: Translator, role: Role, delegation: str | None) -> str:
    """"Whoever opens it is registered as a delegate of the delegation of France." (an
    organiser testing an invite link)."""
    if role == Role.DELEGATE:
        if delegation:
            # TRANSLATORS: {delegation} is the delegation's name ("France", "UNODC"), in the nominative:
            # phrase the sentence so that the name needs no case ending or article
            return t._("Whoever opens it is registered as a delegate of the delegation of {delegation}.").format(delegation=delegation)
        return t._("Whoever opens it is registered as a delegate.")
    if role == Role.ORGANISER:
        if delegation:
            # TRANSLATORS: {delegation} is the delegation's name ("France", "UNODC"), in the nominative:
            # phrase the sentence so that the name needs no case ending or article
            return t._("Whoever opens it is registered as an organiser, with the delegation of {delegation}.").format(delegation=delegation)
        return t._("Whoever opens it is registered as an organiser.")
    if role == Role.OFFICER:
        if delegation:
            # TRANSLATORS: {delegation} is the delegation's name ("France", "UNODC"), in the nominative:
            # phrase the sentence so that the name needs no case ending or article
            return t._("Whoever opens it is registered as a liaison officer for the delegation of {delegation}.").format(delegation=delegation)
        return t._("Whoever opens it is registered as a liaison officer.")
    if delegation:
        # TRANSLATORS: {delegation} is the delegation's name ("France", "UNODC"), in the nominative:
        # phrase the sentence so that the name needs no case ending or article
        return t._("Whoever opens it is registered as a liaison supervisor for the delegation of {delegation}.").format(delegation=delegation)
    return t._("Whoever opens it is registered as a liaison supervisor.")


def invite_link_for(t: Translator, role: Role, delegation: str | None) -> str:
    """"Invite link for a delegate of the delegation of France:" (the organiser's /invite)."""
    if role == Role.DELEGATE:
        if delegation:
            # TRANSLATORS: {delegation} is the delegation's name ("France", "UNODC"), in the nominative:
            # phrase the sentence so that the name needs no case ending or article
            return t._("Invite link for a delegate of the delegation of {delegation}:").format(delegation=delegation)
        return t._("Invite link for a delegate:")
    if role == Role.ORGANISER:
        if delegation:
            # TRANSLATORS: {delegation} is the delegation's name ("France", "UNODC"), in the nominative:
            # phrase the sentence so that the name needs no case ending or article
            return t._("Invite link for an organiser, with the delegation of {delegation}:").format(delegation=delegation)
        return t._("Invite link for an organiser:")
    if role == Role.OFFICER:
        if delegation:
            # TRANSLATORS: {delegation} is the delegation's name ("France", "UNODC"), in the nominative:
            # phrase the sentence so that the name needs no case ending or article
            return t._("Invite link for a liaison officer for the delegation of {delegation}:").format(delegation=delegation)
        return t._("Invite link for a liaison officer:")
    if delegation:
        # TRANSLATORS: {delegation} is the delegation's name ("France", "UNODC"), in the nominative:
        # phrase the sentence so that the name needs no case ending or article
        return t._("Invite link for a liaison supervisor for the delegation of {delegation}:").format(delegation=delegation)
    return t._("Invite link for a liaison supervisor:")


def link_registers(t: Translator, role: Role) -> str:
    """"This invite link registers people as delegates." (to someone whose role is higher)."""
    if role == Role.DELEGATE:
        return t._("This invite link registers people as delegates.")
    if role == Role.ORGANISER:
        return t._("This invite link registers people as organisers.")
    if role == Role.OFFICER:
        return t._("This invite link registers people as liaison officers.")
    return t._("This invite link registers people as liaison supervisors.")


def already_registered(t: Translator, role: Role) -> str:
    """"You are already registered as an organiser, so …" (the link was not used up)."""
    if role == Role.DELEGATE:
        return t._("You are already registered as a delegate, so the link changed nothing for you and was not used up.")
    if role == Role.ORGANISER:
        return t._("You are already registered as an organiser, so the link changed nothing for you and was not used up.")
    if role == Role.OFFICER:
        return t._("You are already registered as a liaison officer, so the link changed nothing for you and was not used up.")
    return t._("You are already registered as a liaison supervisor, so the link changed nothing for you and was not used up.")
