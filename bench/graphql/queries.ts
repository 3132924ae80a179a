/** The operations bench/graphql sends; the raw-pg baseline answers exactly these. */
export const ME_QUERY = '{ me { slug } }';
export const LIST_QUERY = '{ endpoints(first: 50) { edges { node { id name url } } } }';
