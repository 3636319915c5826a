// The dashboard's three pages and how URLs map to them. The selected target lives in the URL (`?target=`),
// so a link or a reload shows the same thing; nothing about a deploy is kept in the browser. Any other path is
// the not-found view, never a silent Overview.
export type PageName = 'docs' | 'overview' | 'history';

export interface Route {
  page: PageName | 'not_found';
  target: string | null;
}

const PATHS: Record<string, PageName> = {
  '/': 'overview',
  '/index.html': 'overview',
  '/docs': 'docs',
  '/history': 'history',
};

export function parseRoute(pathname: string, search: string): Route {
  const target = new URLSearchParams(search).get('target');
  const clean = pathname.replace(/\/+$/, '') || '/';
  const page = Object.hasOwn(PATHS, clean) ? PATHS[clean]! : 'not_found';
  return { page, target: target && target.trim() !== '' ? target : null };
}

export function routeHref(page: PageName, target: string | null): string {
  const path = page === 'docs' ? '/docs' : page === 'history' ? '/history' : '/';
  return target ? `${path}?target=${encodeURIComponent(target)}` : path;
}
