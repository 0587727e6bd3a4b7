// Passkey ceremonies in the browser. The API speaks the WebAuthn JSON forms
// (PublicKeyCredentialCreationOptionsJSON and friends, base64url for bytes); the browser's
// own helpers (PublicKeyCredential.parse…FromJSON, credential.toJSON()) convert them where
// present, and a small base64url fallback does it elsewhere (older Safari and Firefox).

/** True when this browser can use passkeys at all. */
export function passkeysSupported() {
  return typeof window.PublicKeyCredential === 'function' && !!navigator.credentials;
}

/** True when the browser can offer passkeys in an input's autofill (conditional mediation). */
export async function conditionalMediationAvailable() {
  if (!passkeysSupported()) return false;
  try {
    return (await PublicKeyCredential.isConditionalMediationAvailable?.()) === true;
  } catch {
    return false;
  }
}

/**
 * navigator.credentials.create() from creation options JSON; resolves with the credential
 * as JSON for the API. Rejects with the browser's DOMException (NotAllowedError when the
 * person cancelled, InvalidStateError when an excluded passkey is already on the device).
 */
export async function createPasskey(optionsJSON, { signal } = {}) {
  const publicKey =
    typeof PublicKeyCredential.parseCreationOptionsFromJSON === 'function'
      ? PublicKeyCredential.parseCreationOptionsFromJSON(optionsJSON)
      : parseCreationOptions(optionsJSON);
  const credential = await navigator.credentials.create({ publicKey, signal });
  if (!credential) throw new DOMException('No credential', 'NotAllowedError');
  return credentialToJSON(credential);
}

/**
 * navigator.credentials.get() from request options JSON; mediation "conditional" waits
 * for the person to pick a passkey in an autofill list (abort it through signal).
 */
export async function getPasskey(optionsJSON, { signal, mediation } = {}) {
  const publicKey =
    typeof PublicKeyCredential.parseRequestOptionsFromJSON === 'function'
      ? PublicKeyCredential.parseRequestOptionsFromJSON(optionsJSON)
      : parseRequestOptions(optionsJSON);
  const request = { publicKey, signal };
  if (mediation) request.mediation = mediation;
  const credential = await navigator.credentials.get(request);
  if (!credential) throw new DOMException('No credential', 'NotAllowedError');
  return credentialToJSON(credential);
}

/** A short name for this device, to call its passkey by ("iPhone", "Android", "Windows"…). */
export function deviceName() {
  const ua = navigator.userAgent ?? '';
  if (/iPhone/.test(ua)) return 'iPhone';
  if (/iPad/.test(ua) || (/Macintosh/.test(ua) && navigator.maxTouchPoints > 1)) return 'iPad';
  const platform = navigator.userAgentData?.platform ?? '';
  if (platform) return platform === 'macOS' ? 'Mac' : platform;
  if (/Android/.test(ua)) return 'Android';
  if (/Windows/.test(ua)) return 'Windows';
  if (/Macintosh/.test(ua)) return 'Mac';
  if (/CrOS/.test(ua)) return 'Chromebook';
  if (/Linux/.test(ua)) return 'Linux';
  return '';
}

// ---- fallback conversions ------------------------------------------------------------

function credentialToJSON(credential) {
  if (typeof credential.toJSON === 'function') {
    try {
      return credential.toJSON();
    } catch {
      // Some credential-manager extensions replace the credential object badly: do it by hand.
    }
  }
  const { response } = credential;
  const json = {
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    authenticatorAttachment: credential.authenticatorAttachment ?? undefined,
    clientExtensionResults: credential.getClientExtensionResults?.() ?? {},
    response: { clientDataJSON: toBase64url(response.clientDataJSON) },
  };
  if (response.attestationObject) {
    json.response.attestationObject = toBase64url(response.attestationObject);
    json.response.transports = response.getTransports?.() ?? [];
    const authenticatorData = response.getAuthenticatorData?.();
    if (authenticatorData) json.response.authenticatorData = toBase64url(authenticatorData);
    const publicKey = response.getPublicKey?.();
    if (publicKey) json.response.publicKey = toBase64url(publicKey);
    const algorithm = response.getPublicKeyAlgorithm?.();
    if (algorithm != null) json.response.publicKeyAlgorithm = algorithm;
  } else {
    json.response.authenticatorData = toBase64url(response.authenticatorData);
    json.response.signature = toBase64url(response.signature);
    if (response.userHandle) json.response.userHandle = toBase64url(response.userHandle);
  }
  return json;
}

function parseCreationOptions(json) {
  return {
    ...json,
    challenge: fromBase64url(json.challenge),
    user: { ...json.user, id: fromBase64url(json.user.id) },
    excludeCredentials: (json.excludeCredentials ?? []).map(descriptor),
  };
}

function parseRequestOptions(json) {
  return {
    ...json,
    challenge: fromBase64url(json.challenge),
    allowCredentials: (json.allowCredentials ?? []).map(descriptor),
  };
}

function descriptor(item) {
  return { ...item, id: fromBase64url(item.id) };
}

export function toBase64url(buffer) {
  const bytes = new Uint8Array(buffer);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64url(text) {
  const base64 = String(text).replace(/-/g, '+').replace(/_/g, '/');
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}
