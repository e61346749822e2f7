// autocannon setupRequest (CommonJS: autocannon workers require it by path): a block-check for a random
// caller, callee and IP of one of 40 tenants, so attempts rarely repeat and lookups miss and hit like in life.
let n = Math.floor(Math.random() * 1e9);
// BENCH_KEY: the PBX API key, sent like a PBX does; unset for the run without authentication
const auth = process.env.BENCH_KEY ? { authorization: `Bearer ${process.env.BENCH_KEY}` } : {};
module.exports = function setupRequest(request) {
  n = (n * 1103515245 + 12345) % 2147483648;
  const tenant = `t${n % 40}`;
  const caller = `%2B5511${String(n % 100000000).padStart(8, '0')}`;
  const callee = n % 10 === 0 ? `%2B${100000 + (n % 900000)}1234` : `%2B55119${String(n % 100000000).padStart(8, '0')}`;
  const ip = `10.${(n >> 16) % 256}.${(n >> 8) % 256}.${n % 256}`;
  request.path = `/v1/block-check?tenant=${tenant}&account=a${n % 500}&caller=${caller}&callee=${callee}&ip=${ip}`;
  request.headers = { ...request.headers, ...auth };
  return request;
};
