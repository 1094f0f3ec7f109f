/** Every expected error carries its exit code and HTTP status; the CLI and the dashboard read only those. */
import { describe, expect, it } from 'vitest';
import { DeliveryError } from '../../src/alerts/channels.js';
import { ConfigFileError } from '../../src/config/load.js';
import { BadRequest } from '../../src/dashboard/params.js';
import { DashboardStartError, errorResponse } from '../../src/dashboard/server.js';
import { ReportInputError } from '../../src/reports/filter.js';
import { ApiError, ConfigError, CursorExpiredError, ResponseShapeError } from '../../src/source/errors.js';
import { StreamInputError } from '../../src/streams/index.js';
import { DateInputError } from '../../src/util/dates.js';
import { AppError, errorCodes, EXIT, InputError } from '../../src/util/errors.js';
import { MoneyError } from '../../src/util/money.js';
import { WarehouseError, WarehouseLockedError, WarehouseSchemaError } from '../../src/warehouse/warehouse.js';

const cases: Array<[string, Error, number, number]> = [
  ['DateInputError', new DateInputError('x'), EXIT.usage, 400],
  ['StreamInputError', new StreamInputError('x'), EXIT.usage, 400],
  ['ReportInputError', new ReportInputError('x'), EXIT.usage, 400],
  ['BadRequest', new BadRequest('x'), EXIT.usage, 400],
  ['DashboardStartError', new DashboardStartError('x'), EXIT.usage, 400],
  ['InputError', new InputError('x'), EXIT.usage, 400],
  ['WarehouseError', new WarehouseError('x'), EXIT.usage, 500],
  ['WarehouseSchemaError', new WarehouseSchemaError('x'), EXIT.usage, 500],
  ['WarehouseLockedError', new WarehouseLockedError('x'), EXIT.busy, 503],
  ['MoneyError', new MoneyError('x'), EXIT.failed, 500],
  ['DeliveryError', new DeliveryError('x'), EXIT.failed, 502],
  ['ConfigError', new ConfigError('x'), EXIT.usage, 502],
  ['ConfigFileError', new ConfigFileError(['a: b']), EXIT.usage, 502],
  ['ApiError 401 (fatal)', new ApiError('x', { status: 401, kind: 'authentication_error', retryable: false }), EXIT.usage, 502],
  ['ApiError 500 (window)', new ApiError('x', { status: 500, kind: 'api_error', retryable: true }), EXIT.failed, 502],
  ['CursorExpiredError', new CursorExpiredError('/v1/x'), EXIT.failed, 502],
  ['ResponseShapeError', new ResponseShapeError('/v1/x', 'data', 'missing'), EXIT.failed, 502],
];

describe('AppError codes', () => {
  it.each(cases)('%s', (_name, err, exitCode, httpStatus) => {
    expect(err).toBeInstanceOf(AppError);
    expect(errorCodes(err)).toEqual({ exitCode, httpStatus });
  });

  it('a value that is not ours has no codes (reported as unexpected)', () => {
    expect(errorCodes(new Error('boom'))).toBeUndefined();
    expect(errorCodes('text')).toBeUndefined();
  });

  it('the dashboard answers with the carried status', () => {
    expect(errorResponse(new BadRequest('bad day'))).toEqual({ status: 400, body: { error: 'bad day' } });
    expect(errorResponse(new WarehouseError('broken'))).toEqual({ status: 500, body: { error: 'broken' } });
    const busy = errorResponse(new WarehouseLockedError('pid 7'));
    expect(busy.status).toBe(503);
    expect(busy.body.busy).toBe(true);
    expect(busy.body.error).toMatch(/\(pid 7\)$/);
    expect(errorResponse(new Error('boom'))).toEqual({ status: 500, body: { error: 'unexpected error: boom' } });
  });
});
