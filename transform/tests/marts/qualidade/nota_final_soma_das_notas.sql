-- The Nota Final of each team and competência is the sum of its seven indicators' notas
-- (points x weight, 2.5 to 10) and sits in its band; without seven results it is empty.
with

notas as (

    select * from {{ ref('nota_final_qualidade') }}
    where {{ escopo_municipio() }}

),

indicadores as (

    select * from {{ ref('indicadores_qualidade') }}
    where {{ escopo_municipio() }}

),

somas as (

    select
        co_municipio_ibge,
        nu_ine,
        dt_competencia,
        count(vl_nota) as nu_notas,
        sum(vl_nota) as vl_soma
    from indicadores
    group by co_municipio_ibge, nu_ine, dt_competencia

)

select
    notas.co_municipio_ibge,
    notas.nu_ine,
    notas.dt_competencia,
    notas.vl_nota_final,
    notas.ds_classificacao_final,
    somas.nu_notas,
    somas.vl_soma
from notas
left join somas
    on
        notas.co_municipio_ibge = somas.co_municipio_ibge
        and notas.nu_ine = somas.nu_ine
        and notas.dt_competencia = somas.dt_competencia
where
    (somas.nu_notas = 7) <> (notas.vl_nota_final is not null)
    or notas.vl_nota_final <> somas.vl_soma
    or not (
        (notas.ds_classificacao_final = 'Ótimo' and notas.vl_nota_final > 7.5)
        or (notas.ds_classificacao_final = 'Bom' and notas.vl_nota_final between 5 and 7.5)
        or (
            notas.ds_classificacao_final = 'Suficiente'
            and notas.vl_nota_final > 2.5
            and notas.vl_nota_final < 5
        )
        or (notas.ds_classificacao_final = 'Regular' and notas.vl_nota_final <= 2.5)
        or (notas.ds_classificacao_final is null and notas.vl_nota_final is null)
    )
