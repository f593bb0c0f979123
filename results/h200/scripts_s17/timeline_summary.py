# Per launch: blocks' phase times from "TL out dual tma dk rev bx by smid t0 t1 t2 t3" lines (the last
# launch of each kernel kind in the file), summarised by segment (blockIdx.y). A launch ends where a
# block (bx, by) of the same kind repeats.
import sys, collections
rows=[l.split() for l in open(sys.argv[1]) if l.startswith('TL ')]
launches=[]; cur={}
for r in rows:
    kind=tuple(r[1:6]); key=(int(r[6]),int(r[7])); t=[int(x) for x in r[9:13]]
    L=cur.get(kind)
    if L is None or key in L['seen']:
        L={'kind':kind,'seen':set(),'b':[]}; cur[kind]=L; launches.append(L)
    L['seen'].add(key); L['b'].append((key[0],key[1],int(r[8]),t))
last={}
for L in launches: last[L['kind']]=L
print(f"launches: {len(launches)}")
for kind,L in last.items():
    b=L['b']; t0=min(x[3][0] for x in b); tend=max(x[3][3] for x in b)
    print(f"kind out,dual,tma,dk,rev={','.join(kind)} blocks={len(b)} span={(tend-t0)/1e3:.1f} us (first state-warpgroup start to last end)")
    byseg=collections.defaultdict(list)
    for bx,by,sm,t in b: byseg[by].append(t)
    for seg in sorted(byseg):
        ts=byseg[seg]; n=len(ts)
        f=lambda i,j: sum((t[j]-t[i]) for t in ts)/n/1e3
        st=sum(t[0]-t0 for t in ts)/n/1e3; en=sum(t[3]-t0 for t in ts)/n/1e3; enmax=max(t[3]-t0 for t in ts)/1e3
        print(f"  seg {seg}: n={n} start {st:7.1f}  inc {f(0,1):7.1f}  scan {f(1,2):7.1f}  chunks {f(2,3):7.1f}  end mean {en:7.1f} max {enmax:7.1f} us")
