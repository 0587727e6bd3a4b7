// WebAuthn with the browser's own JSON helpers (PublicKeyCredential.parse…FromJSON and
// credential.toJSON()), with a small fallback for browsers that lack them.

import { t } from '../i18n.js';

export function passkeysSupported() {
  return typeof window.PublicKeyCredential === 'function' && Boolean(navigator.credentials);
}

/** navigator.credentials.create() from the server's JSON options; the credential as JSON. */
export async function createPasskey(optionsJSON) {
  const publicKey =
    typeof PublicKeyCredential.parseCreationOptionsFromJSON === 'function'
      ? PublicKeyCredential.parseCreationOptionsFromJSON(optionsJSON)
      : {
          ...optionsJSON,
          challenge: decode(optionsJSON.challenge),
          user: { ...optionsJSON.user, id: decode(optionsJSON.user.id) },
          excludeCredentials: (optionsJSON.excludeCredentials ?? []).map((c) => ({
            ...c,
            id: decode(c.id),
          })),
        };
  const credential = await navigator.credentials.create({ publicKey });
  if (typeof credential.toJSON === 'function') return credential.toJSON();
  return {
    id: credential.id,
    rawId: encode(credential.rawId),
    type: credential.type,
    authenticatorAttachment: credential.authenticatorAttachment ?? undefined,
    clientExtensionResults: credential.getClientExtensionResults(),
    response: {
      clientDataJSON: encode(credential.response.clientDataJSON),
      attestationObject: encode(credential.response.attestationObject),
      transports: credential.response.getTransports?.() ?? [],
    },
  };
}

/** navigator.credentials.get() from the server's JSON options; the assertion as JSON. */
export async function usePasskey(optionsJSON) {
  const publicKey =
    typeof PublicKeyCredential.parseRequestOptionsFromJSON === 'function'
      ? PublicKeyCredential.parseRequestOptionsFromJSON(optionsJSON)
      : {
          ...optionsJSON,
          challenge: decode(optionsJSON.challenge),
          allowCredentials: (optionsJSON.allowCredentials ?? []).map((c) => ({
            ...c,
            id: decode(c.id),
          })),
        };
  const credential = await navigator.credentials.get({ publicKey });
  if (typeof credential.toJSON === 'function') return credential.toJSON();
  const { response } = credential;
  return {
    id: credential.id,
    rawId: encode(credential.rawId),
    type: credential.type,
    authenticatorAttachment: credential.authenticatorAttachment ?? undefined,
    clientExtensionResults: credential.getClientExtensionResults(),
    response: {
      clientDataJSON: encode(response.clientDataJSON),
      authenticatorData: encode(response.authenticatorData),
      signature: encode(response.signature),
      userHandle: response.userHandle ? encode(response.userHandle) : null,
    },
  };
}

/** A browser-side WebAuthn failure in words staff can act on. */
export function passkeyErrorText(error) {
  switch (error?.name) {
    case 'NotAllowedError':
    case 'AbortError':
      return t('passkey.cancelled');
    case 'InvalidStateError':
      return t('passkey.exists');
    case 'SecurityError':
      return t('passkey.security');
    case 'NotSupportedError':
      return t('passkey.unsupported');
    default:
      return t('passkey.failed');
  }
}

function decode(base64url) {
  const base64 = base64url.replace(/-/g, '+').replace(/_/g, '/');
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0)).buffer;
}

function encode(buffer) {
  let binary = '';
  for (const byte of new Uint8Array(buffer)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
