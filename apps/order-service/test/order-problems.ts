import { expect } from 'vitest';

export interface HttpResult {
  status: number;
  headers: Headers;
  body: any;
}

/** The contract's problem shape: problem+json, `type`, `title`, `status` equal to the HTTP status, `detail`. */
export function expectProblem(response: HttpResult, status: number, label = ''): void {
  const where = `${label} -> ${response.status} ${JSON.stringify(response.body)?.slice(0, 300)}`;
  expect(response.status, where).toBe(status);
  expect(response.headers.get('content-type'), where).toMatch(/^application\/problem\+json/);
  expect(response.body, where).toEqual(
    expect.objectContaining({
      type: expect.stringMatching(/^https?:\/\/\S+$/),
      title: expect.any(String),
      status,
      detail: expect.any(String),
    }),
  );
}
