// Translations for the room's own strings, from Django's JavaScript catalog (/jsi18n/, loaded before the modules).
// Without the catalog every string stays in English. `makemessages -d djangojs` finds the calls by these names.

/** Return a string in the page's language. @param {string} text */
export function gettext(text) {
  const catalog = /** @type {any} */ (globalThis).gettext;
  return typeof catalog === "function" ? catalog(text) : text;
}

/** Return the singular or plural form for `count`, translated. @param {string} singular @param {string} plural @param {number} count */
export function ngettext(singular, plural, count) {
  const catalog = /** @type {any} */ (globalThis).ngettext;
  if (typeof catalog === "function") return catalog(singular, plural, count);
  return count === 1 ? singular : plural;
}

/** Mark a string for translation without translating it now (it is translated where it is shown). @param {string} text */
export function gettext_noop(text) {
  return text;
}

/**
 * Fill %(name)s placeholders, as Django's interpolate() does with named values.
 * @param {string} format @param {Record<string, string | number>} values
 */
export function interpolate(format, values) {
  return format.replace(/%\((\w+)\)s/g, (match, key) => (key in values ? String(values[key]) : match));
}
