// @ts-check
/**
 * "$1,234.57" from an exact amount of dollars: the one money formatter of the CLI (through
 * util/money.ts) and the dashboard page. It is a plain ES module without imports so the browser loads
 * it as is (the dashboard serves it at /util/format-usd.js); rounding works on the decimal digits,
 * never on a binary float, so a stored amount shows exactly as the warehouse holds it, to the cent.
 */

const DECIMAL = /^([+-]?)(\d*)(?:\.(\d*))?(?:e([+-]?\d+))?$/i;

/**
 * Rounds half to even to cents, as decimal.js does for the warehouse's sums. The minus sign is kept
 * for a negative amount that rounds to zero ("-$0.00"): it tells a refund from nothing.
 * @param {string | number} amount decimal dollars, e.g. "1234.5678" or "-0.125"; a number is read through its shortest text
 * @returns {string}
 * @throws {TypeError} when the amount is not a decimal number
 */
export function formatUsd(amount) {
  const text = String(amount).trim();
  const m = DECIMAL.exec(text);
  if (!m || (!m[2] && !m[3])) throw new TypeError(`cannot format "${text}" as dollars: it is not a decimal number`);
  const negative = m[1] === '-' && /[1-9]/.test(`${m[2] ?? ''}${m[3] ?? ''}`);
  let digits = `${m[2] ?? ''}${m[3] ?? ''}`;
  // Where the decimal point falls in `digits`, moved by the exponent and kept inside by padding.
  let point = (m[2] ?? '').length + Number(m[4] ?? 0);
  if (point < 0) {
    digits = '0'.repeat(-point) + digits;
    point = 0;
  }
  digits = digits.padEnd(point + 3, '0');
  // Whole dollars and cents as one digit list; the third fractional digit and the rest decide the rounding.
  const kept = digits.slice(0, point + 2).split('').map(Number);
  const next = digits[point + 2] ?? '0';
  const last = kept[kept.length - 1] ?? 0;
  if (next > '5' || (next === '5' && (/[1-9]/.test(digits.slice(point + 3)) || last % 2 === 1))) {
    let i = kept.length - 1;
    while (i >= 0 && kept[i] === 9) kept[i--] = 0;
    if (i < 0) kept.unshift(1);
    else kept[i] = (kept[i] ?? 0) + 1;
  }
  const all = kept.join('');
  const whole = all.slice(0, -2).replace(/^0+(?=\d)/, '') || '0';
  return `${negative ? '-' : ''}$${whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',')}.${all.slice(-2)}`;
}
