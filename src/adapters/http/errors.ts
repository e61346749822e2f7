import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ErrorCodes, SentinelaError, type ErrorCode } from '../../errors.js';

/** The error body of every route: a stable code, a message meant for the caller, and the offending field. */
export interface ErrorBody {
  readonly code: ErrorCode;
  readonly message: string;
  readonly path?: string;
  readonly issues?: readonly { path: string; message: string }[];
}

/**
 * Maps any error to its code's HTTP status. Validation failures name each field; fastify's own client errors
 * (bad JSON, wrong content type, oversized body) keep their 4xx; anything else is a 500 without internals.
 */
export function errorHandler(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (hasZodFastifySchemaValidationErrors(error)) {
    const issues = error.validation.map((v) => ({
      path: `${error.validationContext ?? ''}${v.instancePath.replaceAll('/', '.')}`,
      message: v.message ?? 'invalid',
    }));
    const first = issues[0];
    return send(reply, 'REQUEST_INVALID', first ? `${first.path}: ${first.message}` : 'invalid request', { issues, ...(first ? { path: first.path } : {}) });
  }
  if (error instanceof SentinelaError) return send(reply, error.code, error.message, error.details.path ? { path: error.details.path } : {});
  const status = error.statusCode ?? 500;
  if (status === 413) return send(reply, 'REQUEST_TOO_LARGE', error.message);
  if (status === 415) return send(reply, 'REQUEST_UNSUPPORTED_TYPE', error.message);
  if (status >= 400 && status < 500) return send(reply, 'REQUEST_INVALID', error.message, {}, status);
  request.log.error({ err: error }, 'request failed');
  return send(reply, 'INTERNAL', 'internal error; see the server log');
}

export function send(reply: FastifyReply, code: ErrorCode, message: string, extra: Partial<ErrorBody> = {}, status?: number): FastifyReply {
  const body: ErrorBody = { code, message, ...extra };
  return reply.code(status ?? ErrorCodes[code].http).send(body);
}
