const inner = require('./block-check-request.cjs');
module.exports = function (request) { const r = inner(request); r.path = r.path.replace('/v1/block-check', '/hello'); return r; };
