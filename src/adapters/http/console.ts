import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

/**
 * The NOC console's files: plain ES modules and CSS in `console/` at the package root (shipped like `rules/`). This
 * file sits three levels below the root in src/ and in dist/ alike, so source and build serve the same folder and
 * the build copies nothing.
 */
export const CONSOLE_DIR = fileURLToPath(new URL('../../../console/', import.meta.url));
/** uPlot's own dist files, served from the installed package: nothing comes from a CDN. */
const UPLOT_DIR = join(dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist');
const UPLOT_FILES = new Set(['/uPlot.esm.js', '/uPlot.min.css']);

// only our own scripts and styles run in the console; uPlot styles its nodes through the DOM, which CSP allows
const CSP = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'";
function headers(reply: FastifyReply): void {
  reply.header('content-security-policy', CSP);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('cache-control', 'no-cache');
}

/** `/console/`: the files are public; everything they show comes from the management API, which checks the role. */
export async function consoleRoutes(app: FastifyInstance): Promise<void> {
  app.get('/console', { schema: { hide: true } }, (_request, reply) => reply.redirect('/console/'));
  const common = { decorateReply: false, dotfiles: 'ignore' as const, cacheControl: false, setHeaders: headers };
  await app.register(fastifyStatic, { ...common, root: CONSOLE_DIR, prefix: '/console/', index: 'index.html' });
  await app.register(fastifyStatic, {
    ...common,
    root: UPLOT_DIR,
    prefix: '/console/vendor/uplot/',
    index: false,
    allowedPath: (path) => UPLOT_FILES.has(path),
  });
}
