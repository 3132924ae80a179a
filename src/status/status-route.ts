import type express from 'express';
import type { DataSource } from 'typeorm';
import { renderAtomFeed } from './render-feed';
import { renderNotFound, renderStatusPage } from './render-status';
import { statusPageData, type StatusPageOptions } from './status-data';

export const TENANT0_SLUG = 'tenant0';

/** Where a tenant's page lives: Tenant0's at /status, the others' at /status/<slug>. */
export function statusPagePath(slug: string): string {
  return slug === TENANT0_SLUG ? '/status' : `/status/${slug}`;
}

/**
 * GET /status (Tenant0's page: Sentinel's own health) and GET /status/:slug (any tenant that
 * published one), and each page's Atom feed of incidents at <page>/feed.atom. No key needed.
 * Unknown and unpublished slugs get the same 404 page.
 */
export function statusRoute(
  dataSource: DataSource,
  options: StatusPageOptions & { publicUrl: string; feed?: boolean },
): express.RequestHandler {
  return async (req, res, next) => {
    try {
      const slug = typeof req.params.slug === 'string' ? req.params.slug : TENANT0_SLUG;
      const data = await statusPageData(dataSource, slug, options);
      res.setHeader('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'");
      if (!data) {
        res.status(404).type('html').send(renderNotFound());
        return;
      }
      // Shared caches would hold a page past the one-minute promise and past an endpoint made
      // private: every visitor asks (served from this process's cache, in milliseconds).
      res.setHeader('cache-control', 'no-cache');
      const path = statusPagePath(slug);
      if (options.feed) {
        res
          .type('application/atom+xml; charset=utf-8')
          .send(renderAtomFeed(data, `${options.publicUrl}${path}`));
        return;
      }
      res.type('html').send(renderStatusPage(data, `${path}/feed.atom`));
    } catch (err) {
      next(err);
    }
  };
}
