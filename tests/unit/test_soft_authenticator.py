"""The soft authenticator against py_webauthn itself: what it accepts and what it refuses."""

from __future__ import annotations

import json
from typing import Any

import pytest
from soft_authenticator import (
    InvalidStateError,
    NoCredentialError,
    NotSupportedError,
    SoftAuthenticator,
    b64url_decode,
    tamper_signature,
)
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers.cose import COSEAlgorithmIdentifier
from webauthn.helpers.exceptions import (
    InvalidAuthenticationResponse,
    InvalidBackupFlags,
    InvalidRegistrationResponse,
)
from webauthn.helpers.structs import (
    AttestationConveyancePreference,
    AuthenticatorSelectionCriteria,
    CredentialDeviceType,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)
from webauthn.registration.verify_registration_response import VerifiedRegistration

RP_ID = "todoke.city.example.jp"
ORIGIN = f"https://{RP_ID}"
USER_ID = b"resident-0001"


def registration_options(
    exclude: list[bytes] | None = None, algs: list[COSEAlgorithmIdentifier] | None = None
) -> dict[str, Any]:
    options = generate_registration_options(
        rp_id=RP_ID,
        rp_name="Todoke",
        user_name="resident",
        user_id=USER_ID,
        attestation=AttestationConveyancePreference.NONE,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.REQUIRED,
            user_verification=UserVerificationRequirement.REQUIRED,
        ),
        exclude_credentials=[PublicKeyCredentialDescriptor(id=i) for i in exclude or []],
        supported_pub_key_algs=algs,
    )
    return json.loads(options_to_json(options))


def authentication_options() -> dict[str, Any]:
    options = generate_authentication_options(
        rp_id=RP_ID, user_verification=UserVerificationRequirement.REQUIRED
    )
    return json.loads(options_to_json(options))


def verify_registration(response: dict[str, Any], options: dict[str, Any]) -> VerifiedRegistration:
    return verify_registration_response(
        credential=response,
        expected_challenge=b64url_decode(options["challenge"]),
        expected_rp_id=RP_ID,
        expected_origin=ORIGIN,
        require_user_verification=True,
    )


def register(authenticator: SoftAuthenticator) -> VerifiedRegistration:
    options = registration_options()
    return verify_registration(authenticator.create(options, ORIGIN), options)


def verify_authentication(
    response: dict[str, Any],
    options: dict[str, Any],
    registered: VerifiedRegistration,
    current_sign_count: int,
):
    return verify_authentication_response(
        credential=response,
        expected_challenge=b64url_decode(options["challenge"]),
        expected_rp_id=RP_ID,
        expected_origin=ORIGIN,
        credential_public_key=registered.credential_public_key,
        credential_current_sign_count=current_sign_count,
        require_user_verification=True,
    )


def test_registration_is_verified_with_user_verification_required():
    authenticator = SoftAuthenticator()
    options = registration_options()
    response = authenticator.create(options, ORIGIN)

    verified = verify_registration(response, options)

    assert verified.user_verified is True
    assert verified.fmt == "none"
    assert verified.sign_count == 0
    assert verified.aaguid == "00000000-0000-0000-0000-000000000000"
    assert verified.credential_device_type == CredentialDeviceType.SINGLE_DEVICE
    assert verified.credential_backed_up is False
    assert response["id"] == response["rawId"]
    assert "=" not in response["id"] + response["response"]["attestationObject"]
    assert response["authenticatorAttachment"] == "platform"
    assert authenticator.credentials == [(response["id"], RP_ID, "cmVzaWRlbnQtMDAwMQ", 0)]


def test_usernameless_sign_in_is_verified_and_the_counter_advances():
    authenticator = SoftAuthenticator()
    registered = register(authenticator)
    stored_count = registered.sign_count

    for expected in (1, 2):
        options = authentication_options()
        assert options["allowCredentials"] == []
        response = authenticator.get(options, ORIGIN)
        verified = verify_authentication(response, options, registered, stored_count)
        assert verified.new_sign_count == expected
        assert verified.user_verified is True
        assert verified.credential_id == registered.credential_id
        assert b64url_decode(response["response"]["userHandle"]) == USER_ID
        stored_count = verified.new_sign_count
    assert authenticator.credentials[0].sign_count == 2


def test_the_most_recent_credential_answers_unless_one_is_named():
    authenticator = SoftAuthenticator()
    first = authenticator.create(registration_options(), ORIGIN)
    options = registration_options()
    options["user"]["id"] = "b3RoZXItcmVzaWRlbnQ"  # another account on the same phone
    second = authenticator.create(options, ORIGIN)

    assert authenticator.get(authentication_options(), ORIGIN)["id"] == second["id"]
    named = authenticator.get(authentication_options(), ORIGIN, credential_id=first["id"])
    assert named["id"] == first["id"]
    assert len(authenticator.credentials) == 2


def test_allow_credentials_limits_the_choice():
    authenticator = SoftAuthenticator()
    registered = register(authenticator)
    options = authentication_options()
    options["allowCredentials"] = [{"id": "AAAA", "type": "public-key"}]
    with pytest.raises(NoCredentialError):
        authenticator.get(options, ORIGIN)

    options["allowCredentials"].append(
        {"id": authenticator.credentials[0].credential_id, "type": "public-key"}
    )
    verify_authentication(authenticator.get(options, ORIGIN), options, registered, 0)


def test_no_credential_for_another_rp_id():
    authenticator = SoftAuthenticator()
    register(authenticator)
    options = authentication_options()
    options["rpId"] = "elsewhere.example.jp"
    with pytest.raises(NoCredentialError):
        authenticator.get(options, "https://elsewhere.example.jp")


def test_exclude_credentials_raises_invalid_state():
    authenticator = SoftAuthenticator()
    registered = register(authenticator)

    with pytest.raises(InvalidStateError):
        authenticator.create(registration_options(exclude=[registered.credential_id]), ORIGIN)
    # Another authenticator's credential in the list does not stop a new registration.
    options = registration_options(exclude=[b"someone else's credential"])
    verify_registration(SoftAuthenticator().create(options, ORIGIN), options)


def test_an_rp_without_es256_is_not_supported():
    options = registration_options(algs=[COSEAlgorithmIdentifier.EDDSA])
    with pytest.raises(NotSupportedError):
        SoftAuthenticator().create(options, ORIGIN)


def test_registration_from_another_origin_is_rejected():
    options = registration_options()
    response = SoftAuthenticator().create(options, "https://todoke.example.com")
    with pytest.raises(InvalidRegistrationResponse, match="origin"):
        verify_registration(response, options)


def test_registration_for_another_rp_id_is_rejected():
    options = registration_options()
    response = SoftAuthenticator().create(options, ORIGIN, rp_id_override="example.com")
    with pytest.raises(InvalidRegistrationResponse, match="RP ID"):
        verify_registration(response, options)


def test_registration_without_user_verification_is_rejected():
    options = registration_options()
    response = SoftAuthenticator(user_verification=False).create(options, ORIGIN)
    with pytest.raises(InvalidRegistrationResponse, match="User verification"):
        verify_registration(response, options)


def test_registration_answering_another_challenge_is_rejected():
    response = SoftAuthenticator().create(registration_options(), ORIGIN)
    with pytest.raises(InvalidRegistrationResponse, match="challenge"):
        verify_registration(response, registration_options())


def test_sign_in_from_another_origin_is_rejected():
    authenticator = SoftAuthenticator()
    registered = register(authenticator)
    options = authentication_options()
    response = authenticator.get(options, "https://todoke.example.com")
    with pytest.raises(InvalidAuthenticationResponse, match="origin"):
        verify_authentication(response, options, registered, 0)


def test_sign_in_for_another_rp_id_is_rejected():
    authenticator = SoftAuthenticator()
    registered = register(authenticator)
    options = authentication_options()
    response = authenticator.get(options, ORIGIN, rp_id_override="example.com")
    with pytest.raises(InvalidAuthenticationResponse, match="RP ID"):
        verify_authentication(response, options, registered, 0)


def test_sign_in_without_user_verification_is_rejected():
    authenticator = SoftAuthenticator()
    registered = register(authenticator)
    authenticator.user_verification = False
    options = authentication_options()
    response = authenticator.get(options, ORIGIN)
    assert (
        verify_authentication_response(  # accepted only where UV is not required
            credential=response,
            expected_challenge=b64url_decode(options["challenge"]),
            expected_rp_id=RP_ID,
            expected_origin=ORIGIN,
            credential_public_key=registered.credential_public_key,
            credential_current_sign_count=0,
        ).user_verified
        is False
    )
    with pytest.raises(InvalidAuthenticationResponse, match="User verification"):
        verify_authentication(response, options, registered, 0)


def test_a_tampered_signature_is_rejected():
    authenticator = SoftAuthenticator()
    registered = register(authenticator)
    options = authentication_options()
    response = authenticator.get(options, ORIGIN)
    tampered = tamper_signature(response)

    assert tampered["response"]["signature"] != response["response"]["signature"]
    assert SoftAuthenticator.tamper_signature is tamper_signature
    with pytest.raises(InvalidAuthenticationResponse, match="signature"):
        verify_authentication(tampered, options, registered, 0)
    verify_authentication(response, options, registered, 0)  # the original was untouched


def test_a_response_for_another_challenge_is_rejected():
    authenticator = SoftAuthenticator()
    registered = register(authenticator)
    response = authenticator.get(authentication_options(), ORIGIN)
    with pytest.raises(InvalidAuthenticationResponse, match="challenge"):
        verify_authentication(response, authentication_options(), registered, 0)


def test_a_replayed_response_fails_against_the_next_challenge():
    authenticator = SoftAuthenticator(counting=False)
    registered = register(authenticator)
    options = authentication_options()
    response = authenticator.get(options, ORIGIN)
    verify_authentication(response, options, registered, 0)

    with pytest.raises(InvalidAuthenticationResponse, match="challenge"):
        verify_authentication(response, authentication_options(), registered, 0)
    # py_webauthn keeps no state: with a synced passkey's zero counter the very same response
    # verifies again against the same challenge. Only a single-use challenge stops that.
    verify_authentication(response, options, registered, 0)


def test_without_counting_the_sign_count_stays_zero():
    authenticator = SoftAuthenticator(counting=False)
    registered = register(authenticator)
    for _ in range(3):
        options = authentication_options()
        verified = verify_authentication(authenticator.get(options, ORIGIN), options, registered, 0)
        assert verified.new_sign_count == 0
    assert authenticator.credentials[0].sign_count == 0


def test_a_counter_that_goes_back_is_rejected_as_a_possible_clone():
    authenticator = SoftAuthenticator()
    registered = register(authenticator)
    stored_count = 0
    for _ in range(3):
        options = authentication_options()
        response = authenticator.get(options, ORIGIN)
        stored_count = verify_authentication(
            response, options, registered, stored_count
        ).new_sign_count
    assert stored_count == 3

    authenticator.set_counter(authenticator.credentials[0].credential_id, 1)
    options = authentication_options()
    with pytest.raises(InvalidAuthenticationResponse, match="sign count"):
        verify_authentication(authenticator.get(options, ORIGIN), options, registered, stored_count)


def test_backup_flags_are_reported():
    authenticator = SoftAuthenticator(backup_eligible=True, backup_state=True, counting=False)
    registered = register(authenticator)
    assert registered.credential_device_type == CredentialDeviceType.MULTI_DEVICE
    assert registered.credential_backed_up is True

    options = authentication_options()
    verified = verify_authentication(authenticator.get(options, ORIGIN), options, registered, 0)
    assert verified.credential_device_type == CredentialDeviceType.MULTI_DEVICE
    assert verified.credential_backed_up is True


def test_backed_up_but_not_eligible_raises_its_own_exception():
    # Not InvalidRegistrationResponse: a server catching only that would answer 500.
    options = registration_options()
    response = SoftAuthenticator(backup_state=True).create(options, ORIGIN)
    with pytest.raises(InvalidBackupFlags):
        verify_registration(response, options)
    assert not issubclass(InvalidBackupFlags, InvalidRegistrationResponse)


def test_aaguid_is_reported():
    aaguid = bytes.fromhex("ea9b8d664d011d213ce4b6b48cb575d4")
    registered = register(SoftAuthenticator(aaguid=aaguid))
    assert registered.aaguid == "ea9b8d66-4d01-1d21-3ce4-b6b48cb575d4"


def test_a_new_credential_for_the_same_account_replaces_the_old_one():
    authenticator = SoftAuthenticator()
    first = authenticator.create(registration_options(), ORIGIN)
    second = authenticator.create(registration_options(), ORIGIN)
    assert [c.credential_id for c in authenticator.credentials] == [second["id"]]
    with pytest.raises(NoCredentialError):
        authenticator.get(authentication_options(), ORIGIN, credential_id=first["id"])
