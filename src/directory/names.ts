/** A URL/e-mail-safe slug from a name: "Calandreta de l'Estanh" → "calandreta-de-l-estanh". */
export function slugify(name: string): string {
  return name
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60)
    .replace(/-+$/g, '') || 'x';
}

const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
export function isEmail(s: string): boolean {
  return EMAIL.test(s) && s.length <= 254;
}

const PHONE = /^\+?[0-9 .()-]{6,25}$/;
export function isPhone(s: string): boolean {
  return PHONE.test(s);
}
