import type express from 'express';
import type { DataSource } from 'typeorm';
import { renderNotFound, renderStatusPage } from './render-status';
import { statusPageData } from './status-data';

export const TENANT0_SLUG = 'tenant0';

/**
 * GET /status (Tenant0's page: Sentinel's own health) and GET /status/:slug (any tenant that
 * published one). No key needed. Unknown and unpublished slugs get the same 404 page.
 */
export function statusRoute(dataSource: DataSource): express.RequestHandler {
  return async (req, res, next) => {
    try {
      const slug = typeof req.params.slug === 'string' ? req.params.slug : TENANT0_SLUG;
      const data = await statusPageData(dataSource, slug);
      res.setHeader('content-security-policy', "default-src 'none'; style-src 'unsafe-inline'");
      if (!data) {
        res.status(404).type('html').send(renderNotFound());
        return;
      }
      res.setHeader('cache-control', 'public, max-age=30');
      res.type('html').send(renderStatusPage(data));
    } catch (err) {
      next(err);
    }
  };
}
